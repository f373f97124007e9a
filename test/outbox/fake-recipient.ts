import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A seller's webhook receiver on 127.0.0.1 whose behaviour each test scripts. */
export interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type Behaviour = (req: Received, n: number, res: ServerResponse) => void | Promise<void>;

export interface FakeRecipient {
  readonly url: string;
  readonly received: Received[];
  /** Resolves when the `n`-th request (1-based) has arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

export async function fakeRecipient(behaviour: Behaviour): Promise<FakeRecipient> {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: (r: Received) => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      for (const w of waiters.filter((w) => w.n <= received.length)) w.resolve(received[w.n - 1]!);
      void Promise.resolve(behaviour(r, received.length, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/consentgate`,
    received,
    waitFor(n, timeoutMs = 5_000) {
      if (received.length >= n) return Promise.resolve(received[n - 1]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`request ${n} never arrived`)), timeoutMs);
        waiters.push({
          n,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens: bind a port, then release it. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks`;
}
