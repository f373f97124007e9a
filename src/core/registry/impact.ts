import { contentHash } from '../canonical.ts';
import { termsOf } from '../gate/gate-index.ts';
import { noticeDeclarationOf } from '../notice/build.ts';
import { declarationTerms, type DeclarationTerms } from '../notice/terms.ts';
import type { RegistryModel } from './model.ts';

/**
 * What activating one registry in place of another changes, as an officer must see it before
 * confirming (the console's dry run): purposes, data categories and declarations added or
 * removed; per declaration which of its consent terms change (recipient, countries, purpose,
 * items, retention, transfer ground — the terms a consent is given to, src/core/notice/terms.ts);
 * per recipient or class which data items and countries it gains or loses; and which active
 * consents go stale (the gate answers CONSENT_STALE for them until the customer consents again).
 * Pure: the caller supplies both models and the active grants.
 */
export type TermField = 'recipient' | 'countries' | 'purpose' | 'items' | 'retention' | 'transfer_ground';

export interface DeclarationChange {
  readonly id: string;
  readonly recipient: string;
  readonly purpose: string;
  /** Terms that differ; non-empty means consents given to the old terms go stale. */
  readonly terms: readonly TermField[];
  readonly items_added: readonly string[];
  readonly items_removed: readonly string[];
  readonly countries_added: readonly string[];
  readonly countries_removed: readonly string[];
  /** Anything else in the declaration (legal basis, wording, collection points) changed. */
  readonly other_changed: boolean;
}

export interface PartyChange {
  readonly id: string;
  readonly name: string;
  readonly kind: 'recipient' | 'class';
  /** `added`/`removed`: the party itself is new or gone; `changed`: what it receives differs. */
  readonly change: 'added' | 'removed' | 'changed';
  readonly items_gained: readonly string[];
  readonly items_lost: readonly string[];
  readonly countries_gained: readonly string[];
  readonly countries_lost: readonly string[];
  readonly declarations_gained: readonly string[];
  readonly declarations_lost: readonly string[];
}

export interface SetChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export interface RegistryImpact {
  /** Content hash of the registry replaced (null when none is active). */
  readonly from: string | null;
  readonly to: string;
  readonly identical: boolean;
  readonly purposes: SetChange;
  readonly categories: SetChange;
  readonly declarations: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly DeclarationChange[] };
  readonly parties: readonly PartyChange[];
  readonly operator_changed: boolean;
}

/** An active grant as the consent projection holds it: the declaration (or `<id>:transfer`) and the terms fingerprint given to. */
export interface Grant {
  readonly declarationId: string;
  readonly fingerprint: string | null;
}

export interface StaleImpact {
  /** Active grants the new registry would not cover (CONSENT_STALE), including ones already stale now. */
  readonly stale_after: number;
  /** Of those, grants that are covered today: activation makes them stale. */
  readonly newly_stale: number;
  /** Grants stale today that the new registry covers again (e.g. a rollback). */
  readonly no_longer_stale: number;
  /** Newly stale grants per declaration id (choices `<id>:transfer` counted under `<id>`). */
  readonly by_declaration: Readonly<Record<string, number>>;
}

export function registryImpact(before: RegistryModel | undefined, after: RegistryModel): RegistryImpact {
  const b = before;
  const purposes = setChange(keys(b?.purposes), keys(after.purposes), (id) => !same(b!.purposes.get(id), after.purposes.get(id)));
  const categories = setChange(keys(b?.categories), keys(after.categories), (id) => !same(b!.categories.get(id), after.categories.get(id)));
  const declIds = setChange(keys(b?.declarations), keys(after.declarations), () => false);
  const changed: DeclarationChange[] = [];
  if (b) {
    for (const id of [...after.declarations.keys()].sort()) {
      const old = b.declarations.get(id);
      const now = after.declarations.get(id)!;
      if (!old) continue;
      const t0 = termsIn(b, id)!;
      const t1 = termsIn(after, id)!;
      const terms = termDiff(t0, t1);
      const other = !same(old, now) || !same(b.parties.get(old.recipient), after.parties.get(now.recipient));
      if (terms.length === 0 && !other) continue;
      const i0 = t0.items.map(([c]) => c);
      const i1 = t1.items.map(([c]) => c);
      changed.push({
        id,
        recipient: now.recipient,
        purpose: now.purpose,
        terms,
        items_added: minus(i1, i0),
        items_removed: minus(i0, i1),
        countries_added: minus(t1.countries, t0.countries),
        countries_removed: minus(t0.countries, t1.countries),
        other_changed: terms.length === 0,
      });
    }
  }
  return {
    from: b?.hash ?? null,
    to: after.hash,
    identical: b?.hash === after.hash,
    purposes,
    categories,
    declarations: { added: declIds.added, removed: declIds.removed, changed },
    parties: partyChanges(b, after),
    operator_changed: b !== undefined && !same(b.operator, after.operator),
  };
}

/** What each party receives: items, countries and declarations, over all its declarations. */
function receives(model: RegistryModel | undefined): Map<string, { items: Set<string>; countries: Set<string>; decls: Set<string> }> {
  const out = new Map<string, { items: Set<string>; countries: Set<string>; decls: Set<string> }>();
  if (!model) return out;
  for (const id of model.parties.keys()) out.set(id, { items: new Set(), countries: new Set(), decls: new Set() });
  for (const d of model.declarations.values()) {
    const e = out.get(d.recipient);
    if (!e) continue;
    for (const it of d.items) e.items.add(it.category);
    for (const c of model.destinationCountries(d)) e.countries.add(c);
    e.decls.add(d.id);
  }
  return out;
}

function partyChanges(before: RegistryModel | undefined, after: RegistryModel): PartyChange[] {
  const r0 = receives(before);
  const r1 = receives(after);
  const empty = { items: new Set<string>(), countries: new Set<string>(), decls: new Set<string>() };
  const out: PartyChange[] = [];
  for (const id of [...new Set([...r0.keys(), ...r1.keys()])].sort()) {
    const a = r0.get(id) ?? empty;
    const z = r1.get(id) ?? empty;
    const party = after.parties.get(id) ?? before?.parties.get(id);
    const change: PartyChange = {
      id,
      name: displayName(party?.name, id),
      kind: party?.kind ?? 'recipient',
      change: !r0.has(id) ? 'added' : !r1.has(id) ? 'removed' : 'changed',
      items_gained: minus([...z.items], [...a.items]),
      items_lost: minus([...a.items], [...z.items]),
      countries_gained: minus([...z.countries], [...a.countries]),
      countries_lost: minus([...a.countries], [...z.countries]),
      declarations_gained: minus([...z.decls], [...a.decls]),
      declarations_lost: minus([...a.decls], [...z.decls]),
    };
    const moves = change.items_gained.length + change.items_lost.length + change.countries_gained.length + change.countries_lost.length + change.declarations_gained.length + change.declarations_lost.length;
    if (change.change !== 'changed' || moves > 0) out.push(change);
  }
  return out;
}

/**
 * Which active grants the new registry leaves uncovered. A grant is stale when its declaration
 * still exists and the terms fingerprint differs (the gate's rule, ConsentService.staleConsents);
 * a grant whose declaration is removed is not stale — the declaration is gone, nothing is released.
 */
export function staleImpact(before: RegistryModel | undefined, after: RegistryModel, grants: Iterable<Grant>): StaleImpact {
  let staleAfter = 0;
  let newly = 0;
  let resolved = 0;
  const by: Record<string, number> = {};
  for (const g of grants) {
    const now = isStale(before, g);
    const then = isStale(after, g);
    if (then) staleAfter++;
    if (then && !now) {
      newly++;
      const id = g.declarationId.split(':')[0]!;
      by[id] = (by[id] ?? 0) + 1;
    }
    if (now && !then) resolved++;
  }
  return { stale_after: staleAfter, newly_stale: newly, no_longer_stale: resolved, by_declaration: by };
}

function isStale(model: RegistryModel | undefined, g: Grant): boolean {
  if (!model) return false;
  const t = termsOf(model, g.declarationId);
  return t !== undefined && g.fingerprint !== t;
}

/**
 * The digest an officer's confirmation must carry: the two registries and what changes between
 * them. Consent counts are left out on purpose — they move with every consent given — so a
 * confirmation goes stale only when the registry change itself is no longer the one shown.
 */
export function impactDigest(impact: RegistryImpact): string {
  return contentHash({ kind: 'consentgate.registry-dry-run/1', impact });
}

function termsIn(model: RegistryModel, id: string): DeclarationTerms | undefined {
  const d = model.declarations.get(id);
  return d ? declarationTerms(noticeDeclarationOf(model, d)) : undefined;
}

function termDiff(a: DeclarationTerms, b: DeclarationTerms): TermField[] {
  const out: TermField[] = [];
  if (a.recipient !== b.recipient) out.push('recipient');
  if (!same(a.countries, b.countries)) out.push('countries');
  if (a.purpose !== b.purpose) out.push('purpose');
  if (!same(a.items, b.items)) out.push('items');
  if (!same(a.retention, b.retention)) out.push('retention');
  if (a.transferGround !== b.transferGround) out.push('transfer_ground');
  return out;
}

function setChange(a: readonly string[], b: readonly string[], differs: (id: string) => boolean): SetChange {
  const inA = new Set(a);
  return { added: minus(b, a), removed: minus(a, b), changed: b.filter((id) => inA.has(id) && differs(id)).sort() };
}

const keys = (m: ReadonlyMap<string, unknown> | undefined): string[] => (m ? [...m.keys()] : []);
const minus = (a: Iterable<string>, b: Iterable<string>): string[] => {
  const x = new Set(b);
  return [...new Set(a)].filter((v) => !x.has(v)).sort();
};
const same = (a: unknown, b: unknown): boolean => a === b || (a !== undefined && b !== undefined && contentHash(a) === contentHash(b));

/** A display name may be plain text or `{ ko, en }`: the console shows English, else Korean. */
function displayName(name: unknown, fallback: string): string {
  if (typeof name === 'string') return name;
  if (name && typeof name === 'object') {
    const n = name as { en?: unknown; ko?: unknown };
    if (typeof n.en === 'string') return n.en;
    if (typeof n.ko === 'string') return n.ko;
  }
  return fallback;
}
