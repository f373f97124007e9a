import { randomUUID } from 'node:crypto';
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { PROBLEM_MEDIA_TYPE, problem } from './problem.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

/**
 * What Node's HTTP server does before Fastify sees a request (issue 17 items 4 and 7):
 * - deadlines: the header block, and the whole request — headers and body — must arrive in time,
 *   else 408 and the connection closes. A client announcing 100 bytes and sending 10 held a
 *   connection open for minutes; now for `requestTimeoutMs`. A request whose body has arrived is
 *   not limited: a slow handler (a PDF report) is the server's time, not the client's;
 * - a cap on open connections per client address, so one address cannot hold every socket;
 * - Node's own refusals (bad Content-Length, Content-Length with Transfer-Encoding, oversized
 *   headers, the timeouts above) as problem documents with every security header, like every
 *   other answer — Node's and Fastify's defaults send bare JSON without them.
 */
export interface ConnectionLimits {
  /** Headers and body of one request must arrive within this (ms); 408 `REQUEST_TIMEOUT` after. */
  readonly requestTimeoutMs: number;
  /** The header block must arrive within this (ms; at most `requestTimeoutMs`). */
  readonly headersTimeoutMs: number;
  /** Open connections one client address may hold; 0 = no cap (behind a load balancer that caps). */
  readonly maxConnectionsPerAddress: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, maxConnectionsPerAddress: 256 };

/**
 * Options for `http.createServer` (Fastify's `http`, or merged into its `https`). Node checks the
 * deadlines every `connectionsCheckingInterval` (30 s by default, so a 10 s deadline could
 * become 40 s): a quarter of the shortest deadline, between 50 ms and 1 s.
 */
export function nodeServerOptions(l: ConnectionLimits): { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number } {
  const headersTimeout = Math.min(l.headersTimeoutMs, l.requestTimeoutMs);
  return {
    requestTimeout: l.requestTimeoutMs,
    headersTimeout,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
}

/** A complete HTTP/1.1 answer that closes the connection: a problem document with the security headers. */
export function rawProblem(status: number, code: string, detail: string, reason: string): string {
  const id = randomUUID();
  const body = JSON.stringify({ ...problem(status, code, detail), instance: id });
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'content-type': PROBLEM_MEDIA_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': id,
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${status} ${reason}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Node's parser errors and timeouts, as (status, code, detail). */
export function classifyClientError(code: string | undefined): { status: number; code: string; detail: string; reason: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', detail: 'the request (headers and body) did not arrive in time', reason: 'Request Timeout' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'HEADERS_TOO_LARGE', detail: 'the request headers are too large', reason: 'Request Header Fields Too Large' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, code: 'BAD_CONTENT_LENGTH', detail: 'Content-Length is invalid or repeated', reason: 'Bad Request' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return { status: 400, code: 'BAD_TRANSFER_ENCODING', detail: 'Transfer-Encoding is invalid or combined with Content-Length', reason: 'Bad Request' };
    default:
      return { status: 400, code: 'BAD_REQUEST', detail: 'the request is not valid HTTP', reason: 'Bad Request' };
  }
}

/**
 * Fastify's `clientErrorHandler` (Node's 'clientError'). Writes only when no answer has started
 * on the socket, then closes it: after a framing error the connection's byte stream cannot be
 * trusted, and a timed-out client gets no second chance on the same socket.
 */
export function clientErrorHandler(log: () => FastifyBaseLogger): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const c = classifyClientError(err.code);
    // Status and code only: no address (personal data) and no bytes of the request.
    log().info({ status: c.status, code: c.code, cause: err.code }, 'client error');
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      socket.end(rawProblem(c.status, c.code, c.detail, c.reason));
      // A client that never reads must not keep the socket: destroy once written, or soon.
      const timer = setTimeout(() => socket.destroy(), 1_000);
      timer.unref();
      socket.once('finish', () => {
        clearTimeout(timer);
        socket.destroy();
      });
    } else {
      socket.destroy();
    }
  };
}

/**
 * Refuses a connection beyond `max` open ones from the same address: 429
 * `TOO_MANY_CONNECTIONS` (plain HTTP; over TLS the socket is closed, as no TLS session exists
 * yet to answer in). Counts live in memory per server: a cap on sockets is per process anyway.
 */
export function capConnectionsPerAddress(server: Server, max: number, opts: { tls: boolean; log: FastifyBaseLogger }): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '?';
    const n = (open.get(addr) ?? 0) + 1;
    if (n > max) {
      opts.log.info({ status: 429, code: 'TOO_MANY_CONNECTIONS' }, 'connection refused');
      if (opts.tls) socket.destroy();
      else {
        socket.on('error', () => {});
        socket.end(rawProblem(429, 'TOO_MANY_CONNECTIONS', `at most ${max} open connections per client address`, 'Too Many Requests'));
        const timer = setTimeout(() => socket.destroy(), 1_000);
        timer.unref();
        socket.once('finish', () => {
          clearTimeout(timer);
          socket.destroy();
        });
      }
      return;
    }
    open.set(addr, n);
    socket.once('close', () => {
      const left = (open.get(addr) ?? 1) - 1;
      if (left <= 0) open.delete(addr);
      else open.set(addr, left);
    });
  });
}
