import { hash } from 'node:crypto';
import type { TraceStep } from '../core/gate/types.ts';
import { binaryColumns } from './binary-arrays.ts';
import { traceStepJson } from './decision-json.ts';

/**
 * A decision's rule trace as the database keeps it (migration 221): once per distinct text in
 * `decision_traces`, under the SHA-256 of that text, and referred to by `trace_id` from each
 * decision row. Allowed decisions of one recipient and purpose have the same nine steps, so a
 * release sends and stores 32 bytes instead of its trace's JSON (about 0.7 kB, a third of a
 * release's bytes); the view `release_decision_records` joins the text back, exactly as stored.
 */
export interface Trace {
  /** SHA-256 of `text` (UTF-8). */
  readonly id: Buffer;
  /** The trace's JSON array, as traceStepJson writes it. */
  readonly text: string;
  /** This writer has seen a batch holding it commit: the row exists, and is not sent again. */
  stored: boolean;
}

interface Node {
  next: WeakMap<TraceStep, Node> | undefined;
  trace: Trace | undefined;
}

/**
 * The Trace of each decision, found by the identity of its steps: the gate builds an allowed
 * decision's trace from shared frozen steps (src/core/gate/steps.ts, gate-index.ts), so a walk
 * of a trie of weak maps finds it without serialising or hashing anything. A trace with a step
 * that is not frozen (most denials: their details name what failed) is written and hashed each
 * time. Steps of a replaced registry are collected with their branch of the trie.
 *
 * One per writer, so `stored` speaks of one database.
 */
export class TraceIds {
  private readonly root: Node = { next: undefined, trace: undefined };
  /**
   * The Trace of a frozen array of frozen steps, by the array's identity: an allowed decision's
   * trace is one shared array per shape (the gate's, or the operator policies' extension of it,
   * src/policy/cedar.ts), so a release finds its Trace in one look-up instead of one per step.
   */
  private readonly byArray = new WeakMap<readonly TraceStep[], Trace>();

  of(steps: readonly TraceStep[]): Trace {
    const frozen = Object.isFrozen(steps);
    if (frozen) {
      const hit = this.byArray.get(steps);
      if (hit !== undefined) return hit;
    }
    let node = this.root;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (!Object.isFrozen(s)) return fresh(steps);
      let next = node.next?.get(s);
      if (next === undefined) {
        next = { next: undefined, trace: undefined };
        (node.next ??= new WeakMap()).set(s, next);
      }
      node = next;
    }
    const trace = (node.trace ??= fresh(steps));
    if (frozen) this.byArray.set(steps, trace);
    return trace;
  }
}

const fresh = (steps: readonly TraceStep[]): Trace => {
  const text = traceStepJson.array(steps);
  // One-shot: no Hash object for the next scavenge to free (docs/release-history.md, weak callbacks).
  return { id: hash('sha256', text, 'buffer') as unknown as Buffer, text, stored: false };
};

/** The traces of `all` not yet known stored, each once. */
export function unstored(all: readonly Trace[]): Trace[] {
  const out: Trace[] = [];
  let seen: Set<string> | undefined;
  for (const t of all) {
    if (t.stored) continue;
    const key = t.id.toString('latin1');
    if ((seen ??= new Set()).has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

/**
 * An INSERT of `traces` that leaves the ones already there (another batch, another server, an
 * earlier run) alone; `join` adds e.g. `, h` to insert only if the ledger head moved.
 */
export function insertTraces(traces: readonly Trace[], param: (value: Buffer) => string, join = ''): string {
  const call = binaryColumns(
    traces.map((t) => [t.id, { json: t.text }]),
    ['bytea', 'json'],
    param,
  );
  return `INSERT INTO decision_traces (id, trace) SELECT x.id, x.trace FROM ${call} AS x(id, trace)${join} ON CONFLICT (id) DO NOTHING`;
}
