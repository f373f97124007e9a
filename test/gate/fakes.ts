import { readFileSync } from 'node:fs';
import type { ConsentLookup, ConsentStatus } from '../../src/core/consent/lookup.ts';
import type { GateContext, MemberInfo, OrderInfo, SubjectInfo } from '../../src/core/gate/types.ts';
import { SuspensionIndex } from '../../src/core/gate/suspension-index.ts';
import { RightsStopIndex } from '../../src/core/rights/stops.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';

/**
 * In-memory stand-ins for the consent projection, member registry and subject directory,
 * shared by the gate and policy tests and the gate benchmark.
 */
export class FakeConsents implements ConsentLookup {
  /** subject → declaration → scope (recipient id or `*`) → status. */
  private readonly grants = new Map<string, Map<string, Map<string, ConsentStatus>>>();
  private readonly objections = new Map<string, Set<string>>();

  /** Sets the status for (subject, declaration), scoped to one recipient or to all (`*`). */
  set(subject: string, declarationId: string, status: ConsentStatus, recipientId = '*'): this {
    let decls = this.grants.get(subject);
    if (!decls) this.grants.set(subject, (decls = new Map()));
    let scopes = decls.get(declarationId);
    if (!scopes) decls.set(declarationId, (scopes = new Map()));
    scopes.set(recipientId, status);
    return this;
  }

  object(subject: string, purposeId: string): this {
    let s = this.objections.get(subject);
    if (!s) this.objections.set(subject, (s = new Set()));
    s.add(purposeId);
    return this;
  }

  status(subject: string, declarationId: string, recipientId: string): ConsentStatus {
    const scopes = this.grants.get(subject)?.get(declarationId);
    return scopes?.get(recipientId) ?? scopes?.get('*') ?? NONE;
  }

  hasObjected(subject: string, purposeId: string): boolean {
    return this.objections.get(subject)?.has(purposeId) === true;
  }
}

const NONE: ConsentStatus = { state: 'none' };

export function active(items: readonly string[], eventId = 'ev-1', noticeHash = 'a'.repeat(64)): ConsentStatus {
  return { state: 'active', items, eventId, noticeHash, at: 0 };
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

export function context(
  registry: RegistryModel,
  consents: ConsentLookup,
  members: Record<string, MemberInfo>,
  subjects: Record<string, SubjectInfo>,
  extras: Extras = {},
): GateContext {
  const m = new Map(Object.entries(members));
  const s = new Map(Object.entries(subjects));
  const orders = extras.orders instanceof Map ? extras.orders : new Map(Object.entries(extras.orders ?? {}));
  return { registry, consents, members: m, subjects: s, orders, suspensions: extras.suspensions ?? new SuspensionIndex(), rightsStops: extras.rightsStops ?? new RightsStopIndex() };
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
