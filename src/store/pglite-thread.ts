import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { startCheckpoints, startPGlite, statementRunner, type EngineOptions } from './pglite-engine.ts';
import { rowTransfers, serializeError, type Notification, type Reply, type Request, type Started } from './pglite-messages.ts';
import { threadCpuMicros } from './thread-cpu.ts';

/**
 * The worker thread that owns the PGlite instance (started by src/store/pglite-proxy.ts). The
 * WASM database runs here, on its own core, while the server's thread goes on with HTTP,
 * decisions and the encoding of the next batch. Requests are handled in arrival order; PGlite's
 * own locks do the rest: a statement outside a transaction waits until the open transaction
 * ended, statements of a transaction run in the order they came.
 */
const port = parentPort!;

interface OpenTx {
  /** Settles with PGlite's transaction once BEGIN ran (or with BEGIN's failure). */
  readonly handle: Promise<Transaction>;
  /** The caller's decision: commit (true) or roll back. */
  end(commit: boolean): void;
}

/** Thrown inside PGlite's transaction to make it roll back on the caller's request. */
const ROLLBACK = Symbol('rollback');
const PREPARE = { prepare: true } as const;

async function main(): Promise<void> {
  let pg: PGlite;
  const opts = workerData as EngineOptions;
  try {
    pg = await startPGlite(opts);
  } catch (e) {
    port.postMessage({ started: false, error: serializeError(e) } satisfies Started);
    return;
  }
  // Every use of the instance goes through `run` (PGlite's `transaction` and `close` through
  // `run.hold`), so `run.queryNow` knows when PGlite's locks are free.
  const run = statementRunner(pg, { owned: true });
  const checkpoints = startCheckpoints(pg, run, opts.checkpoints);
  const txs = new Map<number, OpenTx>();
  const unlisteners = new Map<number, () => Promise<void>>();
  /** Statement texts by the number the proxy gave them (a query's `sid`). */
  const texts = new Map<number, string>();

  const reply = (id: number, rows: unknown[]) => port.postMessage({ id, rows } satisfies Reply, rowTransfers(rows));
  const fail = (id: number, e: unknown) => port.postMessage({ id, error: serializeError(e) } satisfies Reply);
  const answer = (id: number, work: Promise<unknown>) =>
    work.then(
      (value) => port.postMessage({ id, value } satisfies Reply),
      (e) => fail(id, e),
    );
  const on = (tx: number | undefined): Promise<PGlite | Transaction> => {
    if (tx === undefined) return Promise.resolve(pg);
    const open = txs.get(tx);
    return open ? open.handle : Promise.reject(new Error('Transaction is closed'));
  };

  const begin = (id: number, tx: number) => {
    let opened!: (t: Transaction) => void;
    let failed!: (e: unknown) => void;
    const handle = new Promise<Transaction>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    handle.catch(() => {}); // BEGIN's failure reaches the caller through the begin's reply
    let end!: (commit: boolean) => void;
    const ended = new Promise<boolean>((r) => (end = r));
    txs.set(tx, { handle, end });
    run.hold(
      pg.transaction(async (t) => {
        opened(t);
        if (!(await ended)) throw ROLLBACK;
      }),
    ).then(
      () => port.postMessage({ id } satisfies Reply),
      (e) => {
        failed(e); // a BEGIN that failed fails the statements waiting for it too
        if (e === ROLLBACK) port.postMessage({ id } satisfies Reply);
        else fail(id, e);
      },
    ).finally(() => {
      failed(new Error('Transaction is closed'));
      txs.delete(tx);
    });
  };

  port.on('message', (m: Request) => {
    switch (m.op) {
      case 'query': {
        const opts = m.prepare ? PREPARE : undefined;
        let text = m.text;
        if (text === undefined) text = texts.get(m.sid!)!;
        else if (m.sid !== undefined) texts.set(m.sid, text);
        const t = text;
        if (m.tx === undefined) {
          // Outside a transaction (a one-statement batch, every read), with nothing else running
          // on the instance: run and answered in this turn (statementRunner's queryNow).
          // Answered in a microtask, not at once: notifications the statement brought are
          // delivered in microtasks queued during it (pglite-wire.ts), and go out first, as before.
          let now: unknown[] | Promise<never> | undefined;
          try {
            now = run.queryNow(t, m.params, opts);
          } catch (e) {
            queueMicrotask(() => fail(m.id, e));
            return;
          }
          if (Array.isArray(now)) {
            const rows = now;
            queueMicrotask(() => reply(m.id, rows));
            return;
          }
          if (now !== undefined) {
            now.catch((e: unknown) => fail(m.id, e));
            return;
          }
        }
        // Otherwise straight to the runner (no turn through a resolved promise first), or behind
        // the transaction's BEGIN.
        const rows = m.tx === undefined ? run.query(pg, t, m.params, opts) : on(m.tx).then((q) => run.query(q, t, m.params, opts));
        rows.then(
          (r) => reply(m.id, r),
          (e) => fail(m.id, e),
        );
        return;
      }
      case 'exec':
        void answer(m.id, on(m.tx).then((q) => run.exec(q, m.script)));
        return;
      case 'begin':
        begin(m.id, m.tx);
        return;
      case 'end':
        txs.get(m.tx)?.end(m.commit);
        return;
      case 'listen':
        void answer(
          m.id,
          run
            .listen(m.channel, (payload) => port.postMessage({ listener: m.listener, payload } satisfies Notification))
            .then((unlisten) => void unlisteners.set(m.listener, unlisten)),
        );
        return;
      case 'unlisten': {
        const unlisten = unlisteners.get(m.listener);
        unlisteners.delete(m.listener);
        void answer(m.id, unlisten ? unlisten() : Promise.resolve());
        return;
      }
      case 'cpu':
        port.postMessage({ id: m.id, value: threadCpuMicros() } satisfies Reply);
        return;
      case 'checkpoints':
        port.postMessage({ id: m.id, value: checkpoints.stats() } satisfies Reply);
        return;
      case 'close':
        // PGlite's close waits for every statement and transaction it was given before (and
        // takes a checkpoint of its own).
        checkpoints.stop();
        void answer(m.id, run.hold(pg.close()));
        return;
    }
  });
  port.postMessage({ started: true } satisfies Started);
}

await main();
