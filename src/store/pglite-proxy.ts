import { Worker } from 'node:worker_threads';
import { bulkStatement, encodeBulk, type CheckpointStats, type EngineOptions } from './pglite-engine.ts';
import { deserializeError, postableParams, type Answer, type Call, type Notification, type Reply, type Request, type Started } from './pglite-messages.ts';
import { preparedOnPGlite, sqlHandle, type Database, type QueryOptions, type Sql } from './sql.ts';

/**
 * PGlite in a worker thread, behind the same `Database` interface as in the caller's thread.
 * PGlite is PostgreSQL compiled to WASM: every statement runs synchronously in the thread that
 * calls it, and on the server's thread a group-commit batch's insert (and its file writes) held
 * the event loop while HTTP requests and the next batch's encoding waited. In a worker of its
 * own the database and the server's JavaScript run at the same time, on two cores.
 *
 * Each call is a message with an id (pglite-messages.ts); the worker answers in order. A
 * transaction is opened without waiting for the worker (its statements queue there until
 * BEGIN ran) and ended by one message once `fn` settled, so it costs no round trip of its own.
 * Errors come back with their PostgreSQL fields. The worker holds no reference on the event
 * loop unless a call is waiting for it, so an unclosed handle does not keep a process alive.
 */
export interface WorkerDatabase extends Database {
  threadCpuMicros(): Promise<number | null>;
}

/** Runs the thread's TypeScript module with tsx, as the server itself runs (bin/server.mjs). */
function startWorker(opts: EngineOptions): Worker {
  return new Worker(new URL('./pglite-thread.mjs', import.meta.url), {
    workerData: opts,
    // Not the server's flags: its loaders (`--import tsx`) would be registered twice, test
    // runners' flags mean nothing here, and V8 heap flags are refused for a worker. Nor the
    // server's young generation (npm start: --max-semi-space-size=64) as a resource limit: since
    // statements go through the wire this thread allocates little, and V8's default size cost
    // less CPU per release in two same-run A/Bs (docs/scaling.md).
    execArgv: profilerFlags(),
  });
}

/**
 * `--cpu-prof` given to the server profiles the database's thread too (its own profile file, in
 * the same directory): where a release's CPU goes includes this thread.
 */
function profilerFlags(): string[] {
  return process.execArgv.includes('--cpu-prof') ? process.execArgv.filter((a) => a.startsWith('--cpu-prof')) : [];
}

export async function openPGliteWorker(opts: EngineOptions, onClosed: () => void): Promise<WorkerDatabase> {
  const worker = startWorker(opts);
  let onMessage!: (m: Started) => void;
  let onError!: (e: Error) => void;
  let onExit!: (code: number) => void;
  try {
    await new Promise<void>((resolve, reject) => {
      onMessage = (m) => (m.started ? resolve() : reject(deserializeError(m.error)));
      onError = reject;
      onExit = (code) => reject(new Error(`the PGlite worker exited with code ${code} while starting`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    });
  } catch (e) {
    await worker.terminate();
    throw e;
  } finally {
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
  }
  worker.unref();
  return proxy(worker, opts.schema, onClosed);
}

/** Statement texts kept by number in the worker; later ones travel as text every time. */
const MAX_SENT_TEXTS = 512;

/** A call's promise, and its statement (for an error reply's fields): no closure made per call. */
interface Waiting {
  resolve(reply: Answer): void;
  reject(e: Error): void;
  query: { text: string; params?: readonly unknown[] } | undefined;
}

function proxy(worker: Worker, schema: string, onClosed: () => void): WorkerDatabase {
  const waiting = new Map<number, Waiting>();
  const listeners = new Map<number, (payload: string) => void>();
  let nextId = 0;
  let nextTx = 0;
  let nextListener = 0;
  let gone: Error | undefined;
  let closing: Promise<void> | undefined;

  const settle = (id: number) => {
    const w = waiting.get(id);
    waiting.delete(id);
    if (waiting.size === 0) worker.unref();
    return w;
  };
  worker.on('message', (m: Reply | Notification) => {
    if (m.id === undefined) {
      listeners.get(m.listener)?.(m.payload);
      return;
    }
    const w = settle(m.id);
    if (!w) return;
    if (m.error) w.reject(deserializeError(m.error, w.query));
    else w.resolve(m);
  });
  const stop = (e: Error) => {
    gone ??= e;
    for (const id of [...waiting.keys()]) settle(id)?.reject(gone);
  };
  worker.on('error', (e) => stop(new Error(`the PGlite worker failed: ${e.message}`, { cause: e })));
  worker.on('exit', (code) => stop(new Error(`the PGlite worker exited (code ${code})`)));

  /** Posts `req` and resolves with its reply; an error reply rejects (made here, see deserializeError). */
  const call = (req: Call, transfer: ArrayBuffer[] = [], query?: { text: string; params?: readonly unknown[] }): Promise<Answer> => {
    if (gone) return Promise.reject(gone);
    // Closing waits for what was asked before, transactions included: their statements still run.
    const inTx = (req.op === 'query' || req.op === 'exec') && req.tx !== undefined;
    if (closing && req.op !== 'close' && !inTx) return Promise.reject(new Error('the database is closed'));
    return new Promise<Answer>((resolve, reject) => {
      if (waiting.size === 0) worker.ref();
      waiting.set(req.id, { resolve, reject, query });
      worker.postMessage(req, transfer);
    });
  };

  // Statement texts the worker keeps by number: sent once, then named by it (pglite-messages.ts).
  // Messages arrive in the order they were posted, so a number never arrives before its text.
  const sids = new Map<string, number>();
  const textOrSid = (text: string): { text: string; sid?: number } | { sid: number } => {
    const sid = sids.get(text);
    if (sid !== undefined) return { sid };
    if (sids.size >= MAX_SENT_TEXTS) return { text };
    sids.set(text, sids.size + 1);
    return { text, sid: sids.size };
  };

  const query = async <R>(text: string, params: readonly unknown[] = [], tx?: number, opts?: QueryOptions): Promise<R[]> => {
    const p = postableParams(params);
    const r = await call({ op: 'query', id: ++nextId, ...(tx !== undefined ? { tx } : {}), ...textOrSid(text), params: p.params, ...(preparedOnPGlite(opts) ? { prepare: true } : {}) }, p.transfer, { text, params });
    return r.rows as R[];
  };
  const exec = async (script: string, tx?: number): Promise<void> => {
    await call({ op: 'exec', id: ++nextId, ...(tx !== undefined ? { tx } : {}), script }, [], { text: script });
  };
  const handle = (tx?: number, isOpen: () => boolean = () => true): Sql => {
    const closed = () => Promise.reject(new Error('Transaction is closed'));
    return sqlHandle({
      engine: 'pglite',
      query: <R>(text: string, params?: readonly unknown[], opts?: QueryOptions) => (isOpen() ? query<R>(text, params, tx, opts) : closed()),
      exec: (script) => (isOpen() ? exec(script, tx) : closed()),
      encodeBulk,
      insertBulk: async (bulk) => {
        const { text, params } = bulkStatement(bulk);
        if (!isOpen()) return closed();
        await query(text, params, tx);
      },
    });
  };

  return {
    schema,
    ...handle(),
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      const tx = ++nextTx;
      const ended = call({ op: 'begin', id: ++nextId, tx });
      ended.catch(() => {}); // awaited below; a failed BEGIN also fails fn's statements
      let open = true;
      const end = (commit: boolean) => {
        open = false;
        if (!gone) worker.postMessage({ op: 'end', tx, commit } satisfies Request);
      };
      let result: T;
      try {
        result = await fn(handle(tx, () => open));
      } catch (e) {
        end(false);
        await ended.catch(() => {});
        throw e;
      }
      end(true);
      await ended;
      return result;
    },
    async listen(channel, onPayload) {
      const listener = ++nextListener;
      listeners.set(listener, onPayload);
      try {
        await call({ op: 'listen', id: ++nextId, listener, channel });
      } catch (e) {
        listeners.delete(listener);
        throw e;
      }
      return async () => {
        listeners.delete(listener);
        await call({ op: 'unlisten', id: ++nextId, listener });
      };
    },
    async notify(channel, payload) {
      await query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async threadCpuMicros() {
      return (await call({ op: 'cpu', id: ++nextId })).value as number | null;
    },
    async checkpointStats() {
      return (await call({ op: 'checkpoints', id: ++nextId })).value as CheckpointStats;
    },
    close() {
      closing ??= (async () => {
        try {
          if (!gone) await call({ op: 'close', id: ++nextId });
        } finally {
          gone ??= new Error('the database is closed');
          await worker.terminate();
          onClosed();
        }
      })();
      return closing;
    },
  };
}
