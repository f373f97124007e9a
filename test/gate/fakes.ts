import { readFileSync } from 'node:fs';
import type { ConsentLookup, ConsentStatus } from '../../src/core/consent/lookup.ts';
import { transferChoiceId } from '../../src/core/consent/choice.ts';
import { termsOf } from '../../src/core/gate/gate-index.ts';
import type { ActiveConsent, ConsentAnswer, GateContext, MemberInfo, OrderInfo, RightsStop, SubjectGate, SubjectInfo } from '../../src/core/gate/types.ts';
import type { Jurisdiction } from '../../src/core/registry/schema.ts';
import { idKey, idOfChoiceKey, idOfKey } from '../../src/core/gate/intern.ts';
import { SuspensionIndex } from '../../src/core/gate/suspension-index.ts';
import { MemberTable } from '../../src/core/gate/member-table.ts';
import { RightsStopIndex } from '../../src/core/rights/stops.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { addDuration, type IsoDuration } from '../../src/core/time/duration.ts';

/**
 * In-memory stand-ins for the consent projection, member registry and subject directory,
 * shared by the gate and policy tests and the gate benchmark.
 */
export class FakeConsents implements ConsentLookup {
  /** subject → declaration → scope (recipient id or `*`) → status. */
  private readonly grants = new Map<string, Map<string, Map<string, ConsentStatus>>>();
  private readonly objections = new Map<string, Set<string>>();
  /** Set by `context()`: the registry's terms fingerprint per declaration, for statuses made with `CURRENT_TERMS`. */
  terms: ((declarationId: string) => string | undefined) | undefined;

  /** Sets the status for (subject, declaration), scoped to one recipient or to all (`*`). */
  set(subject: string, declarationId: string, status: ConsentStatus, recipientId = '*'): this {
    let decls = this.grants.get(subject);
    if (!decls) this.grants.set(subject, (decls = new Map()));
    let scopes = decls.get(declarationId);
    if (!scopes) decls.set(declarationId, (scopes = new Map()));
    scopes.set(recipientId, status);
    return this;
  }

  /** Both choices of a declaration: the provision consent and the separate transfer consent (`<id>:transfer`). */
  consent(subject: string, declarationId: string, status: ConsentStatus, recipientId = '*'): this {
    return this.set(subject, declarationId, status, recipientId).set(subject, transferChoiceId(declarationId), status, recipientId);
  }

  object(subject: string, purposeId: string): this {
    let s = this.objections.get(subject);
    if (!s) this.objections.set(subject, (s = new Set()));
    s.add(purposeId);
    return this;
  }

  status(subject: string, declarationId: string, recipientId: string, _at?: number, scopedOnly = false): ConsentStatus {
    const scopes = this.grants.get(subject)?.get(declarationId);
    let st = scopes?.get(recipientId) ?? scopes?.get('*') ?? NONE;
    // A class's declaration: an unscoped grant covers no member (an unscoped withdrawal still counts).
    if (scopedOnly && !scopes?.has(recipientId) && st.state !== 'withdrawn') st = NONE;
    if (st.state !== 'none' && st.fingerprint === CURRENT_TERMS) st = { ...st, fingerprint: this.terms?.(declarationId) ?? null };
    return st;
  }

  hasObjected(subject: string, purposeId: string): boolean {
    return this.objections.get(subject)?.has(purposeId) === true;
  }
}

const NONE: ConsentStatus = { state: 'none' };

/** A status given to the terms the registry in `context()` holds now (resolved by `FakeConsents.status`). */
export const CURRENT_TERMS = 'current-terms';

export function active(items: readonly string[], eventId = 'ev-1', noticeHash = 'a'.repeat(64), fingerprint: string | null = CURRENT_TERMS): ConsentStatus {
  return { state: 'active', items, eventId, noticeHash, at: 0, fingerprint };
}

export function demoRegistry(): RegistryModel {
  const text = readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8');
  return new RegistryModel(parseRegistry(text).registry);
}

/** What a test adds beyond consents, members and subjects: orders by ref, suspension orders, rights stops. */
export interface Extras {
  readonly orders?: Record<string, OrderInfo> | Map<string, OrderInfo>;
  readonly suspensions?: SuspensionIndex;
  readonly rightsStops?: RightsStopIndex;
}

/** A member as the tests give it: `context()` adds its key. */
export type MemberSpec = Omit<MemberInfo, 'key'>;

export function context(
  registry: RegistryModel,
  consents: ConsentLookup,
  members: Record<string, MemberSpec>,
  subjects: Record<string, SubjectInfo>,
  extras: Extras = {},
): GateContext {
  // The gate's member table, as MembersService keeps it.
  const m = new MemberTable();
  for (const [id, spec] of Object.entries(members)) m.set(id, { ...spec, key: idKey(id) });
  const orders = extras.orders instanceof Map ? extras.orders : new Map(Object.entries(extras.orders ?? {}));
  if (consents instanceof FakeConsents) consents.terms = (id) => termsOf(registry, id);
  return {
    registry,
    members: m,
    subjects: new FakeSubjects(new Map(Object.entries(subjects)), consents, orders, extras.rightsStops ?? new RightsStopIndex()),
    suspensions: extras.suspensions ?? new SuspensionIndex(),
  };
}

/** `ctx` with other orders (the fakes' subject view reads orders from the table it was built with). */
export function withOrders(ctx: GateContext, orders: Map<string, OrderInfo>): GateContext {
  return { ...ctx, subjects: (ctx.subjects as FakeSubjects).withOrders(orders) };
}

/**
 * The gate's per-subject view over the fakes' separate tables: subject infos, a consent lookup,
 * orders by ref and rights stops. (Production keeps one `GateRecord` per subject, written by the
 * projections: src/core/gate/gate-records.ts.) A view is answered for any id, known or not.
 */
export class FakeSubjects {
  constructor(
    private readonly infos: ReadonlyMap<string, SubjectInfo>,
    private readonly consents: ConsentLookup,
    private readonly orders: ReadonlyMap<string, OrderInfo>,
    private readonly stops: RightsStopIndex,
  ) {}

  get(subject: string): SubjectGate {
    return new FakeSubjectGate(subject, this.infos.get(subject), this.consents, this.orders, this.stops);
  }

  find(subject: string): SubjectGate {
    return this.get(subject);
  }

  withOrders(orders: ReadonlyMap<string, OrderInfo>): FakeSubjects {
    return new FakeSubjects(this.infos, this.consents, orders, this.stops);
  }
}

class FakeSubjectGate implements SubjectGate {
  readonly known: boolean;
  readonly jurisdiction: Jurisdiction;
  readonly erased: boolean;
  readonly collectedAt: number | undefined;
  readonly contractEndedAt: number | undefined;
  constructor(
    private readonly id: string,
    info: SubjectInfo | undefined,
    private readonly consents: ConsentLookup,
    private readonly orders: ReadonlyMap<string, OrderInfo>,
    private readonly stops: RightsStopIndex,
  ) {
    this.known = info !== undefined;
    this.jurisdiction = info?.jurisdiction ?? 'KR';
    this.erased = info?.erased ?? false;
    this.collectedAt = info?.collectedAt;
    this.contractEndedAt = info?.contractEndedAt;
  }

  orderedDeclarations(recipientKey: number, orderRef: string): readonly string[] | undefined {
    const o = this.orders.get(orderRef);
    return o !== undefined && o.subject === this.id && o.recipient === idOfKey(recipientKey) ? o.declarations : undefined;
  }

  consent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentStatus {
    return this.consents.status(this.id, idOfChoiceKey(choiceKey), idOfKey(recipientKey), at, scopedOnly);
  }

  activeConsent(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ActiveConsent | undefined {
    const st = this.consent(choiceKey, recipientKey, at, scopedOnly);
    return st.state === 'active' ? st : undefined;
  }

  consentState(choiceKey: number, recipientKey: number, at: number, scopedOnly: boolean): ConsentAnswer {
    return this.consent(choiceKey, recipientKey, at, scopedOnly);
  }

  objected(purposeId: string): boolean {
    return this.consents.hasObjected(this.id, purposeId);
  }

  stop(declarationId: string, purposeId: string): RightsStop | undefined {
    return this.stops.find(this.id, declarationId, purposeId);
  }

  contractEnd(orderRef: string | undefined): number | undefined {
    const o = orderRef === undefined ? undefined : this.orders.get(orderRef);
    return (o !== undefined && o.subject === this.id ? o.contractEndedAt : undefined) ?? this.contractEndedAt;
  }

  contractWindowEnd(orderRef: string | undefined, duration: IsoDuration): number {
    const end = this.contractEnd(orderRef);
    return end === undefined ? Number.NaN : addDuration(end, duration);
  }

  releasable(): boolean {
    return this.known && !this.erased;
  }
}

/** The order ref the gate tests use for (subject, member): one order per pair, naming `declarations`. */
export const orderRef = (subject: string, member: string) => `o-${subject}-${member}`;

/** Orders of every subject with every member, for the given declarations (tests about other checks). */
export function ordersFor(subjects: readonly string[], members: readonly string[], declarations: readonly string[]): Map<string, OrderInfo> {
  const out = new Map<string, OrderInfo>();
  for (const subject of subjects) for (const recipient of members) out.set(orderRef(subject, recipient), { subject, recipient, declarations });
  return out;
}

export const DAY = 86_400_000;
