import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CgError, type ErrorDetail } from '../core/errors.ts';
import { step } from '../core/gate/gate-index.ts';
import type { Decision, GateContext, ReleasedItem, ReleaseRequest, TraceStep } from '../core/gate/types.ts';
import { utcHour, utcWeekday } from '../core/time/utc-fields.ts';
import { perFrozen } from '../core/per-frozen.ts';
import { OPERATOR_SCHEMA } from './schema.ts';

/**
 * Operator rules in Cedar, evaluated after the statutory decision. They can only narrow: a deny
 * from `decide` is returned untouched (Cedar is not even asked), and on an allow a matching
 * `forbid` turns it into POLICY_DENY. The set always contains a base `permit` standing for "what
 * the statute allows", so operator files are written as `forbid` rules; an operator `permit`
 * is harmless and can never widen anything.
 *
 * A policy that fails to evaluate (e.g. a type error at runtime) fails closed: POLICY_DENY.
 */
export interface PolicySource {
  readonly file: string;
  readonly text: string;
}

export const MAX_POLICY_FILE_BYTES = 256 * 1024;
export const MAX_POLICY_FILES = 100;
const BASE_ID = 'statutory-allow';
const KST_OFFSET_H = 9;

let nextSetId = 0;

export class OperatorPolicies {
  /**
   * Cedar's answer is a pure function of the policy set and the request, so answers are memoised
   * by the request's canonical form: releases repeat the same (recipient, purpose, items, hour)
   * shapes all day, and one wasm evaluation costs 100× the statutory decision. When no rule names
   * a Subject uid, the subject's id cannot change the answer and is left out of the key.
   */
  private readonly answers = new AnswerMemo();
  /** Statutory trace → the same with this set's passing step (passTrace). */
  private readonly passTraces = new WeakMap<readonly TraceStep[], readonly TraceStep[]>();
  private readonly subjectBlind: boolean;

  private constructor(
    private readonly setId: string,
    /** Policy id → where it was written, for traces and errors. */
    readonly origins: ReadonlyMap<string, string>,
    policyTexts: readonly string[] = [],
  ) {
    this.subjectBlind = !policyTexts.some((t) => /Subject\s*::/.test(t));
  }

  /** Loads every `*.cedar` file of `dir` (sorted by name). A missing directory means no rules. */
  static loadDir(dir: string): OperatorPolicies {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.cedar')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return OperatorPolicies.compile([]);
      throw e;
    }
    if (names.length > MAX_POLICY_FILES) throw new CgError('POLICY_INVALID', `more than ${MAX_POLICY_FILES} policy files in ${dir}`, 422);
    return OperatorPolicies.compile(
      names.map((n) => {
        const path = join(dir, n);
        const size = statSync(path).size;
        if (size > MAX_POLICY_FILE_BYTES) {
          throw new CgError('POLICY_INVALID', `${n} is ${size} bytes; the limit is ${MAX_POLICY_FILE_BYTES}`, 422, [{ code: 'POLICY_TOO_LARGE', message: 'policy file too large', path: n }]);
        }
        return { file: n, text: readFileSync(path, 'utf8') };
      }),
    );
  }

  /** Parses, validates against the schema and pre-parses once; throws with file:line on any error. */
  static compile(sources: readonly PolicySource[]): OperatorPolicies {
    const policies: Record<string, string> = { [BASE_ID]: 'permit (principal, action == Action::"release", resource);' };
    const origins = new Map<string, string>([[BASE_ID, 'built-in']]);
    const located = new Map<string, { file: string; text: string; offset: number; policy: string }>();
    for (const src of sources) {
      const file = basename(src.file);
      const parts = cedar.policySetTextToParts(src.text);
      if (parts.type === 'failure') throw invalid(parts.errors.map((e) => detail(file, src.text, 0, e)));
      if (parts.policy_templates.length > 0) throw invalid([{ code: 'POLICY_INVALID', message: 'templates are not supported in operator policies', path: file }]);
      let cursor = 0;
      for (const p of parts.policies) {
        let offset = src.text.indexOf(p, cursor);
        if (offset < 0) offset = src.text.indexOf(p);
        cursor = offset >= 0 ? offset + p.length : cursor;
        const { line } = position(src.text, Math.max(0, offset));
        const id = /@id\(\s*"([^"]+)"\s*\)/.exec(p)?.[1] ?? `${file}:${line}`;
        if (policies[id] !== undefined) {
          throw invalid([{ code: 'POLICY_DUPLICATE_ID', message: `policy id "${id}" is used twice`, path: file, line }]);
        }
        policies[id] = p;
        origins.set(id, `${file}:${line}`);
        located.set(id, { file, text: src.text, offset: Math.max(0, offset), policy: p });
      }
    }
    const v = cedar.validate({ schema: OPERATOR_SCHEMA, policies: { staticPolicies: policies }, validationSettings: { mode: 'strict' } });
    if (v.type === 'failure') throw invalid(v.errors.map((e) => ({ code: 'POLICY_INVALID', message: e.message })));
    if (v.validationErrors.length > 0) {
      throw invalid(
        v.validationErrors.map((ve) => {
          const at = located.get(ve.policyId);
          return at ? detail(at.file, at.text, at.offset, ve.error, at.policy) : { code: 'POLICY_INVALID', message: ve.error.message };
        }),
      );
    }
    const setId = `operator-${nextSetId++}`;
    const pre = cedar.preparsePolicySet(setId, { staticPolicies: policies });
    if (pre.type === 'failure') throw invalid(pre.errors.map((e) => ({ code: 'POLICY_INVALID', message: e.message })));
    return new OperatorPolicies(setId, origins, Object.values(policies));
  }

  /** Number of operator rules (the built-in base permit excluded). */
  get size(): number {
    return this.origins.size - 1;
  }

  /**
   * Narrows a statutory decision (same shape as `ReleasePolicy` in src/app/release-service.ts).
   * Denies pass through unchanged; an allow gains a `policy`
   * trace step, or becomes POLICY_DENY naming the forbidding rules.
   */
  apply(req: ReleaseRequest, decision: Decision, ctx: GateContext): Decision {
    if (!decision.allow) return decision;
    const subject = ctx.subjects.get(req.subject);
    const party = ctx.registry.parties.get(req.recipientId);
    const member = party?.kind === 'recipient' ? undefined : ctx.members.get(req.recipientId);
    const country = party?.kind === 'recipient' ? party.country : (member?.country ?? '');
    const classParty = member ? ctx.registry.parties.get(member.classId) : undefined;
    const jurisdiction = subject?.jurisdiction ?? 'KR';
    const role = party?.role ?? classParty?.role ?? '';
    const classId = member ? member.classId : null;
    const hourUtc = utcHour(req.at);
    const weekdayUtc = utcWeekday(req.at);
    const { items, plainItems, json } = categoriesOf(decision.items);
    const overseas = ctx.registry.isOverseas(country, jurisdiction);
    const keySubject = this.subjectBlind ? null : req.subject;
    // The memo is keyed by every value the call below is built from, and nothing else, so equal
    // keys mean equal calls (test/policy/cedar.test.ts holds memoised answers to fresh ones): the
    // item lists' JSON, made once per frozen list (`categoriesOf`), then each flat value, one Map
    // level each (AnswerMemo). A remembered answer (the usual case) costs those look-ups; the call
    // is built only on a miss, in a function of its own, so a hit makes no closure either.
    const answer =
      this.answers.get(json, req.recipientId, role, country, classId, jurisdiction, req.purpose, decision.declarationId, decision.basis, overseas, weekdayUtc, hourUtc, keySubject) ??
      this.evaluate(callOf(req, decision, role, country, member !== undefined, classId, jurisdiction, items, plainItems, overseas, hourUtc, weekdayUtc, this.setId), json, req.recipientId, role, country, classId, jurisdiction, req.purpose, decision.declarationId, decision.basis, overseas, weekdayUtc, hourUtc, keySubject);
    if (answer.type === 'failure') {
      return policyDeny(decision, `operator policies could not be evaluated: ${answer.errors[0]?.message ?? 'unknown error'}`);
    }
    const { decision: verdict, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      const e = diagnostics.errors[0]!;
      return policyDeny(decision, `operator policy ${e.policyId} (${this.origins.get(e.policyId) ?? '?'}) failed to evaluate: ${e.error.message}`);
    }
    if (verdict === 'deny') {
      // Cedar reports the matching rules as a set, in no fixed order: sorted, the same decision
      // always records the same message.
      const by = [...diagnostics.reason].sort().map((id) => `${id} (${this.origins.get(id) ?? '?'})`).join(', ');
      return policyDeny(decision, `forbidden by operator policy ${by || '(no permit)'}`);
    }
    return { ...decision, trace: this.passTrace(decision.trace) };
  }

  /**
   * The statutory trace with this set's passing step. An allowed decision's trace is a shared
   * frozen array (one per shape, src/core/gate/gate-index.ts): its extension is made once and
   * shared as well, so the record path finds its text and stored trace by identity
   * (src/core/frozen-json.ts, src/store/decision-traces.ts) instead of step by step, and a
   * release copies no array. Any other trace is extended afresh, as before.
   */
  private passTrace(trace: readonly TraceStep[]): readonly TraceStep[] {
    if (!Object.isFrozen(trace)) return [...trace, passStep(this.size)];
    let extended = this.passTraces.get(trace);
    if (extended === undefined) {
      extended = Object.freeze([...trace, passStep(this.size)]);
      this.passTraces.set(trace, extended);
    }
    return extended;
  }

  /** Cedar's answer to `call`, remembered under its inputs (the caller found none remembered). */
  private evaluate(call: CedarCall, ...key: MemoKey): CedarAnswer {
    const answer = cedar.statefulIsAuthorized(call);
    this.answers.set(answer, ...key);
    return answer;
  }
}

/**
 * What a Cedar call of `apply` is made of, the most shared first: the item lists' JSON, recipient,
 * role, country, class, jurisdiction, purpose, declaration, basis, overseas, weekday, hour, and
 * the subject (null when no rule names one).
 */
type MemoKey = [
  lists: string,
  recipient: string,
  role: string,
  country: string,
  classId: string | null,
  jurisdiction: string,
  purpose: string,
  declaration: string,
  basis: string,
  overseas: boolean,
  weekday: number,
  hour: number,
  subject: string | null,
];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Level = Map<unknown, any>;

/**
 * Cedar's answers by the inputs of their call, one Map level per input (a trie), instead of one
 * key string of all of them: that string had to be made by `JSON.stringify` of twelve values and
 * hashed whole on every release (about 2–4 µs of `apply`'s 4–5 on the AMD host, docs/release-history.md),
 * where a level hashes one value, and the registry's ids and the key's principal, the same
 * strings every time, keep their hash. Map keys compare by SameValueZero, so null, a boolean, a
 * number and a string never stand for one another: two look-ups meet only when every input is
 * the same — at least as exact as the one stringify (which wrote undefined as null). The most
 * varying inputs come last, so a new hour or subject adds a level's entry, not a path of Maps.
 * Bounded: at MAX_MEMO answers the memo starts afresh (an answer is only ever recomputed).
 * `get` and `set` are not named `apply`, so TurboFan may optimise them (avoidCedarDeoptCrash in
 * src/app/release-wiring.ts keeps `apply`, which calls into cedar-wasm, out of it); neither calls Cedar.
 */
export class AnswerMemo {
  private root: Level = new Map();
  private count = 0;

  get size(): number {
    return this.count;
  }

  // Each input a parameter of its own (a rest parameter would be an array per call).
  get(
    lists: string,
    recipient: string,
    role: string,
    country: string,
    classId: string | null,
    jurisdiction: string,
    purpose: string,
    declaration: string,
    basis: string,
    overseas: boolean,
    weekday: number,
    hour: number,
    subject: string | null,
  ): CedarAnswer | undefined {
    const m: Level | undefined = this.root.get(lists)?.get(recipient)?.get(role)?.get(country)?.get(classId)?.get(jurisdiction)?.get(purpose)?.get(declaration)?.get(basis)?.get(overseas)?.get(weekday)?.get(hour);
    return m?.get(subject) as CedarAnswer | undefined;
  }

  set(answer: CedarAnswer, ...key: MemoKey): void {
    if (this.count >= MAX_MEMO) {
      this.root = new Map();
      this.count = 0;
    }
    let m = this.root;
    for (let i = 0; i < key.length - 1; i++) {
      let next: Level | undefined = m.get(key[i]);
      if (next === undefined) m.set(key[i], (next = new Map()));
      m = next;
    }
    if (!m.has(key[key.length - 1])) this.count++;
    m.set(key[key.length - 1], answer);
  }
}

type CedarCall = Parameters<typeof cedar.statefulIsAuthorized>[0];
type CedarAnswer = ReturnType<typeof cedar.statefulIsAuthorized>;

/** The Cedar request of a release, from exactly the values its memo key is made of. */
function callOf(
  req: ReleaseRequest,
  decision: Decision & { allow: true },
  role: string,
  country: string,
  isMember: boolean,
  classId: string | null,
  jurisdiction: string,
  items: readonly string[],
  plainItems: readonly string[],
  overseas: boolean,
  hourUtc: number,
  weekdayUtc: number,
  setId: string,
): CedarCall {
  const principal = { type: 'Recipient', id: req.recipientId };
  const principalAttrs: Record<string, string> = { role, country, kind: isMember ? 'member' : 'recipient' };
  if (classId !== null) principalAttrs.class = classId;
  return {
    principal,
    action: { type: 'Action', id: 'release' },
    resource: { type: 'Subject', id: req.subject },
    context: {
      purpose: req.purpose,
      declaration: decision.declarationId,
      basis: decision.basis,
      // Copies (only on a miss): the shared lists never leave for the engine.
      items: [...items],
      plain_items: [...plainItems],
      overseas,
      hour_utc: hourUtc,
      hour_kst: (hourUtc + KST_OFFSET_H) % 24,
      weekday_utc: weekdayUtc,
    },
    preparsedPolicySetId: setId,
    entities: [
      { uid: principal, attrs: principalAttrs, parents: classId !== null ? [{ type: 'RecipientClass', id: classId }] : [] },
      { uid: { type: 'Subject', id: req.subject }, attrs: { jurisdiction }, parents: [] },
    ],
  };
}

// One shared frozen step per rule count, like the gate's own passing steps: the record path
// serialises each once (src/store/decision-json.ts).
const passSteps = new Map<number, TraceStep>();
function passStep(rules: number): TraceStep {
  let s = passSteps.get(rules);
  if (s === undefined) {
    s = step('policy', true, rules === 0 ? 'no operator policies' : `no operator policy forbids this release (${rules} rules)`);
    passSteps.set(rules, s);
  }
  return s;
}

/** Memoised answers kept per policy set; the oldest is dropped first. */
const MAX_MEMO = 10_000;

interface Categories {
  readonly items: readonly string[];
  readonly plainItems: readonly string[];
  /** `JSON.stringify([items, plainItems])`: the memo key's part that comes from the list. */
  readonly json: string;
}

/** The categories of `list` and those released plain, in order; remembered for a frozen list (per-frozen.ts). */
export const categoriesOf = perFrozen((list: readonly ReleasedItem[]): Categories => {
  const items: string[] = [];
  const plainItems: string[] = [];
  for (const i of list) {
    items.push(i.category);
    if (i.form === 'plain') plainItems.push(i.category);
  }
  return { items: Object.freeze(items), plainItems: Object.freeze(plainItems), json: JSON.stringify([items, plainItems]) };
});

function policyDeny(d: Decision & { allow: true }, message: string): Decision {
  return {
    allow: false,
    code: 'POLICY_DENY',
    article: 'operator policy',
    message,
    declarationId: d.declarationId,
    trace: [...d.trace, step('policy', false, message, 'operator policy')],
  };
}

function invalid(details: ErrorDetail[]): CgError {
  const first = details[0];
  const where = first?.path ? `${first.path}${first.line ? `:${first.line}:${first.column ?? 1}` : ''}: ` : '';
  return new CgError('POLICY_INVALID', `invalid operator policy: ${where}${first?.message ?? 'unknown error'}`, 422, details);
}

/**
 * An error detail at file:line:column. `base` is where `fragment` (the text Cedar saw) starts in
 * the file; Cedar reports UTF-8 byte offsets into the fragment.
 */
function detail(file: string, text: string, base: number, e: cedar.DetailedError, fragment = text): ErrorDetail {
  const loc = e.sourceLocations?.[0];
  const msg = e.help ? `${e.message} (${e.help})` : e.message;
  if (!loc) return { code: 'POLICY_INVALID', message: msg, path: file };
  const inFragment = Buffer.from(fragment, 'utf8').subarray(0, loc.start).toString('utf8').length;
  return { code: 'POLICY_INVALID', message: msg, path: file, ...position(text, base + inFragment) };
}

/** 1-based line and column of a UTF-16 offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}
