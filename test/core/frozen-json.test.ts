import { describe, expect, it } from 'vitest';
import { FrozenJson } from '../../src/core/frozen-json.ts';
import type { TraceStep } from '../../src/core/gate/types.ts';
import { TraceIds } from '../../src/store/decision-traces.ts';

type Step = { check: string; ok: boolean; detail?: string };
const step = (check: string, ok = true): Step => Object.freeze({ check, ok });

/** A FrozenJson that counts how often it serialises a value. */
function counting() {
  let writes = 0;
  const json = new FrozenJson<Step>((s) => {
    writes++;
    return JSON.stringify(s);
  });
  return { json, writes: () => writes };
}

describe('FrozenJson.array', () => {
  it('gives the JSON array of the values, frozen or not', () => {
    const { json } = counting();
    const values = [step('a'), { check: 'b', ok: false }, step('c')];
    expect(json.array(values)).toBe(JSON.stringify(values));
    expect(json.array(Object.freeze([...values]))).toBe(JSON.stringify(values));
    expect(json.array([])).toBe('[]');
    expect(json.array(Object.freeze([]))).toBe('[]');
  });

  it('remembers a frozen array of remembered values by identity: its text comes back without reading an element', () => {
    const { json, writes } = counting();
    let reads = true;
    // The same frozen array, watched: element reads throw once `reads` is off.
    const values = new Proxy(Object.freeze([step('a'), step('b')]), {
      get(target, key, receiver) {
        if (!reads && typeof key === 'string' && /^\d+$/.test(key)) throw new Error('element read');
        return Reflect.get(target, key, receiver);
      },
    });
    const first = json.array(values);
    expect(first).toBe('[{"check":"a","ok":true},{"check":"b","ok":true}]');
    expect(writes()).toBe(2);
    reads = false;
    expect(json.array(values)).toBe(first);
    expect(writes()).toBe(2);
    // Another array of the same values is walked (and finds each value's text remembered).
    reads = true;
    expect(json.array(Object.freeze([step('a')]))).toBe('[{"check":"a","ok":true}]');
  });

  it('does not remember an array that can change, or one holding a value that can', () => {
    const { json } = counting();
    const open = [step('a')];
    expect(json.array(open)).toBe('[{"check":"a","ok":true}]');
    open.push(step('b'));
    expect(json.array(open)).toBe('[{"check":"a","ok":true},{"check":"b","ok":true}]');
    const mutable: Step = { check: 'm', ok: true };
    const frozenOfMutable = Object.freeze([step('a'), mutable]);
    expect(json.array(frozenOfMutable)).toBe('[{"check":"a","ok":true},{"check":"m","ok":true}]');
    mutable.ok = false;
    expect(json.array(frozenOfMutable)).toBe('[{"check":"a","ok":true},{"check":"m","ok":false}]');
  });
});

describe('TraceIds.of', () => {
  const s = (check: string, detail = check): TraceStep => Object.freeze({ check, ok: true, detail });

  it('finds a frozen trace by identity, the same Trace as its steps give in any other array', () => {
    const ids = new TraceIds();
    const steps = [s('subject'), s('recipient'), s('policy')];
    const shared = Object.freeze([...steps]);
    const t = ids.of(shared);
    expect(ids.of(shared)).toBe(t);
    expect(ids.of([...steps])).toBe(t);
    expect(t.text).toBe(JSON.stringify(steps.map((x) => ({ check: x.check, detail: x.detail, ok: x.ok }))));
  });

  it('a frozen trace found again by identity reads none of its steps', () => {
    const ids = new TraceIds();
    let reads = true;
    const trace = new Proxy(Object.freeze([s('subject'), s('policy')]), {
      get(target, key, receiver) {
        if (!reads && typeof key === 'string' && /^\d+$/.test(key)) throw new Error('step read');
        return Reflect.get(target, key, receiver);
      },
    });
    const t = ids.of(trace);
    reads = false;
    expect(ids.of(trace)).toBe(t);
  });

  it('a frozen array holding a step that can change is written afresh each time', () => {
    const ids = new TraceIds();
    const open = { check: 'purpose', ok: false, detail: 'first' } as TraceStep & { detail: string };
    const trace = Object.freeze([s('subject'), open]);
    const a = ids.of(trace);
    open.detail = 'second';
    const b = ids.of(trace);
    expect(b).not.toBe(a);
    expect(b.text).toContain('second');
    expect(b.id.equals(a.id)).toBe(false);
  });
});
