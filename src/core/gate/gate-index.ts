import type { Party, RegistryModel } from '../registry/model.ts';
import type { Declaration, Jurisdiction, Purpose, Safeguards } from '../registry/schema.ts';
import { parseDuration, type IsoDuration } from '../time/duration.ts';
import { legalBasisVerdict, transferVerdict } from '../law/verdicts.ts';
import { parseChoice, transferChoiceId } from '../consent/choice.ts';
import { noticeDeclarationOf } from '../notice/build.ts';
import { termsFingerprint } from '../notice/terms.ts';
import { choiceKey, idKey, intern } from './intern.ts';
import { CONSENT_OK, ORDER_OK, step, SUBJECT_OK, SUSPENSION_OK, TRANSFER_CONSENT_OK } from './steps.ts';
import type { ReleasedItem, TraceStep } from './types.ts';

export { step } from './steps.ts';

/**
 * Everything `decide` needs about one registry, resolved once: per party, per purpose, the
 * declarations with their item forms, transfer verdicts for every possible destination and
 * jurisdiction, parsed retention — and the trace steps of the passing checks as shared frozen
 * objects, so the hot path allocates little beyond the decision itself. For the allow path
 * (`decide`'s `allowOf`) each declaration also carries a `FastPlan`: item bit masks, the released
 * item lists by mask and whole allowed traces, so an allow is answered from shared frozen values.
 */
export interface GateIndex {
  readonly registry: RegistryModel;
  readonly parties: ReadonlyMap<string, PartyPlan>;
  readonly purposes: ReadonlyMap<string, Purpose>;
}

export interface PartyPlan {
  readonly id: string;
  /** The id's key (`idKey`): a registry recipient's scoped consents are found by it. */
  readonly key: number;
  readonly kind: 'recipient' | 'class';
  /** A recipient's own country; undefined for a class (members carry theirs). */
  readonly country: string | undefined;
  readonly countries: ReadonlySet<string>;
  readonly safeguards: Safeguards;
  readonly byPurpose: ReadonlyMap<string, readonly DeclarationPlan[]>;
  readonly okStep: TraceStep;
  /** The agreement the registry names for the party (PIPA 28-8(4)): a class member must have accepted this version. */
  readonly agreement: { readonly id: string; readonly version: string } | undefined;
  /** Passing step of the member's agreement check (classes with an agreement only). */
  readonly agreementOkStep: TraceStep | undefined;
}

/** A transfer verdict for one destination country, per subject jurisdiction. */
export interface TransferPlan {
  readonly KR: CheckResult;
  readonly EU: CheckResult;
  /**
   * `allowTraces(plan, country)` for this destination, set when the index is built (undefined
   * only for a declaration without allow-path tables): the allow path has the transfer plan in
   * hand already, and reading the traces from it saves a second hash lookup by the country.
   */
  readonly allowed: AllowTraces | undefined;
}

/** The whole trace of an allow, per subject jurisdiction (shared, frozen). */
export type AllowTraces = {
  readonly KR: readonly TraceStep[];
  readonly EU: readonly TraceStep[];
  /**
   * The same steps in arrays that are not frozen and never handed out: what the allow path copies
   * a deny's passing steps from (decide.ts, `withFailed`). An indexed load from a frozen array
   * is not inlined by V8 here: each one went through the keyed-load IC builtin (~100 instructions).
   */
  readonly source: { readonly KR: readonly TraceStep[]; readonly EU: readonly TraceStep[] };
};

export interface CheckResult {
  readonly ok: boolean;
  /** Whether the destination is overseas for subjects of this jurisdiction. */
  readonly overseas: boolean;
  readonly step: TraceStep;
}

export type RetentionPlan =
  | { readonly kind: 'indefinite' }
  | { readonly kind: 'release'; readonly duration: IsoDuration; readonly text: string }
  | {
      readonly kind: 'collection' | 'contract_end';
      readonly duration: IsoDuration;
      readonly text: string;
      /** `retention <duration> from <anchor> ended `: a RETENTION_EXPIRED message up to its date (one concatenation per deny). */
      readonly ended: string;
    };

export interface DeclarationPlan {
  readonly id: string;
  readonly declaration: Declaration;
  readonly purpose: Purpose;
  /** `purpose.id`, interned (intern.ts) like the purposes in the subjects' records. */
  readonly purposeId: string;
  /** Keys (`choiceKey`) of the provision choice (the declaration id) and of the transfer choice, as the records hold them. */
  readonly key: number;
  readonly transferKey: number;
  readonly basis: Declaration['legal_basis'];
  /** Declared items in declaration order, each with its form and format. */
  readonly items: readonly ReleasedItem[];
  readonly byCategory: ReadonlyMap<string, ReleasedItem>;
  /** An objection blocks optional purposes and, always, ad targeting (GDPR 21(3)). */
  readonly objectionApplies: boolean;
  readonly transferGroundIsConsent: boolean;
  /** The id of the separate overseas-transfer consent: `<id>:transfer` (PIPA 28-8(1)1). */
  readonly transferChoice: string;
  /** A class's declaration is covered only by consents naming the member (PIPA 17(2)1). */
  readonly scopedOnly: boolean;
  /**
   * Fingerprint of the declaration's terms in this registry (src/core/notice/terms.ts): a consent
   * recorded with another fingerprint was given to different terms (CONSENT_STALE).
   */
  readonly fingerprint: string;
  /** Whether the legal basis can carry this provision or entrustment, per subject jurisdiction (the law packs). */
  readonly legalBasis: { readonly KR: CheckResult; readonly EU: CheckResult };
  /** Keyed by destination country: the recipient's, or each of the class's. */
  readonly transfer: ReadonlyMap<string, TransferPlan>;
  readonly retention: RetentionPlan;
  /** Allow-path tables; undefined when items repeat a category or exceed 30 (those take the traced path). */
  readonly fast: FastPlan | undefined;
  readonly steps: {
    readonly purposeOk: TraceStep;
    readonly itemsOk: TraceStep;
    readonly objectionOk: TraceStep;
    readonly consentNotNeeded: TraceStep;
    readonly retentionOk: TraceStep;
  };
}

/**
 * What the allow path needs beyond the plan: items as bits, and answers cached by bits and by
 * destination. The caches fill on first use (a registry has few item subsets and countries in
 * use) and hold only frozen values, so sharing them between decisions is safe.
 */
export interface FastPlan {
  /** Declared category → its bit (declaration order: item i is bit i). */
  readonly bit: ReadonlyMap<string, number>;
  /** Every declared item. */
  readonly full: number;
  /** Released items by mask, in declaration order (frozen). */
  readonly subsets: Map<number, readonly ReleasedItem[]>;
  /** The whole trace of an allow, by destination country, per jurisdiction (frozen). */
  readonly traces: Map<string, AllowTraces>;
  /**
   * The mask of the declared items a consented item list shows (`consentedMask` in decide.ts), by
   * list: consent slots hold interned frozen lists (intern.ts), a few distinct ones per
   * declaration, so one lookup by the list replaces one per item. Weak: nothing is kept alive.
   */
  readonly shown: WeakMap<readonly string[], number>;
  /** The trace steps before the declaration's own: the party's checks, in the order `decide` runs them. */
  readonly prefix: { readonly KR: readonly TraceStep[]; readonly EU: readonly TraceStep[] };
}

const cache = new WeakMap<RegistryModel, GateIndex>();

/** The index of `registry`, built on first use and cached for the model's lifetime. */
export function gateIndex(registry: RegistryModel): GateIndex {
  let idx = cache.get(registry);
  if (!idx) {
    idx = buildIndex(registry);
    cache.set(registry, idx);
  }
  return idx;
}

function buildIndex(registry: RegistryModel): GateIndex {
  const parties = new Map<string, PartyPlan>();
  for (const [id, p] of registry.parties) {
    const byPurpose = new Map<string, DeclarationPlan[]>();
    // Keys and compared values interned (intern.ts): lookups with a request's strings compare pointers.
    const countries = new Set((p.kind === 'recipient' ? [p.country] : p.countries).map(intern));
    const party: PartyPlan = freeze({
      id: intern(id),
      key: idKey(id),
      kind: p.kind,
      country: p.kind === 'recipient' ? intern(p.country) : undefined,
      countries,
      safeguards: p.safeguards,
      byPurpose,
      okStep: step('recipient', true, p.kind === 'recipient' ? `${id} is a declared recipient (${p.role}, ${p.country})` : `member of declared class ${id} (${p.role})`),
      agreement: p.agreement ? freeze({ id: p.agreement.id, version: intern(p.agreement.version) }) : undefined,
      agreementOkStep: p.agreement && p.kind === 'class' ? step('agreement', true, `the member accepted agreement ${p.agreement.id} v${p.agreement.version}`) : undefined,
    });
    parties.set(party.id, party);
    for (const d of registry.doc.declarations) {
      if (d.recipient !== id) continue;
      const purpose = registry.purposes.get(d.purpose);
      if (!purpose) continue; // structure.ts rejects dangling refs; be safe anyway
      const list = byPurpose.get(d.purpose) ?? [];
      list.push(planDeclaration(registry, d, purpose, party, p));
      byPurpose.set(intern(d.purpose), list);
    }
  }
  return { registry, parties, purposes: registry.purposes };
}

function planDeclaration(registry: RegistryModel, d: Declaration, purpose: Purpose, party: PartyPlan, p: Party): DeclarationPlan {
  const items = d.items.map((i) =>
    freeze<ReleasedItem>({ category: i.category, form: i.form, format: registry.categories.get(i.category)?.format ?? 'text' }),
  );
  // Filled in below, once the plan exists (`allowed`); read only as `TransferPlan` after that.
  const transfer = new Map<string, { KR: CheckResult; EU: CheckResult; allowed: AllowTraces | undefined }>();
  for (const country of party.countries) {
    transfer.set(country, {
      KR: transferCheck(registry, d, p, country, 'KR'),
      EU: transferCheck(registry, d, p, country, 'EU'),
      allowed: undefined,
    });
  }
  const retention: RetentionPlan =
    d.retention === 'indefinite'
      ? { kind: 'indefinite' }
      : d.retention.from === 'release'
        ? { kind: 'release', duration: parseDuration(d.retention.duration), text: d.retention.duration }
        : {
            kind: d.retention.from,
            duration: parseDuration(d.retention.duration),
            text: d.retention.duration,
            ended: `retention ${d.retention.duration} from ${d.retention.from === 'contract_end' ? 'contract end' : d.retention.from} ended `,
          };
  const retentionText =
    retention.kind === 'indefinite'
      ? 'retention is indefinite'
      : retention.kind === 'release'
        ? `retention ${retention.text} runs from each release: no bound on new releases`
        : `within retention ${retention.text} from ${retention.kind.replace('_', ' ')}`;
  const steps = freeze({
    purposeOk: step('purpose', true, `declaration ${d.id}: ${party.id} for ${purpose.id}`),
    itemsOk: step('items', true, `requested items are within declaration ${d.id}`),
    objectionOk: step('objection', true, purpose.ad_targeting || !purpose.required ? 'no objection recorded' : 'purpose is required for the contract: objection does not apply'),
    consentNotNeeded: step('consent', true, `legal basis ${d.legal_basis}: consent not required`),
    retentionOk: step('retention', true, retentionText),
  });
  const plan: DeclarationPlan = freeze({
    // Ids and fingerprint interned (intern.ts): the subjects' records hold the same objects.
    id: intern(d.id),
    declaration: d,
    purpose,
    purposeId: intern(purpose.id),
    key: choiceKey(d.id),
    transferKey: choiceKey(transferChoiceId(d.id)),
    basis: d.legal_basis,
    items: Object.freeze(items),
    byCategory: new Map(items.map((i) => [i.category, i])),
    objectionApplies: purpose.ad_targeting || !purpose.required,
    transferGroundIsConsent: d.transfer?.ground === 'consent',
    transferChoice: intern(transferChoiceId(d.id)),
    scopedOnly: p.kind === 'class',
    fingerprint: intern(termsFingerprint(noticeDeclarationOf(registry, d))),
    legalBasis: freeze({ KR: basisCheck(registry, d, p, 'KR'), EU: basisCheck(registry, d, p, 'EU') }),
    transfer,
    retention,
    fast: fastPlan(items, party),
    steps,
  });
  // Every destination the registry declares gets its allowed traces now; others on first use.
  // A declaration without allow-path tables (over 30 items) is decided by the traced path alone.
  if (plan.fast !== undefined) for (const [country, tp] of transfer) tp.allowed = allowTraces(plan, country);
  return plan;
}

function fastPlan(items: readonly ReleasedItem[], party: PartyPlan): FastPlan | undefined {
  const bit = new Map<string, number>();
  items.forEach((it, i) => bit.set(intern(it.category), 1 << i));
  if (items.length > 30 || bit.size !== items.length) return undefined;
  // The party's checks, in decide's order: a recipient's subject first; a member's after its order.
  const prefix = (j: Jurisdiction): readonly TraceStep[] =>
    Object.freeze(
      party.kind === 'recipient'
        ? [SUBJECT_OK[j], party.okStep, SUSPENSION_OK]
        : [party.okStep, ...(party.agreement !== undefined ? [party.agreementOkStep!] : []), SUSPENSION_OK, ORDER_OK, SUBJECT_OK[j]],
    );
  return {
    bit,
    full: items.length === 0 ? 0 : 2 ** items.length - 1,
    subsets: new Map(),
    traces: new Map(),
    shown: new WeakMap(),
    prefix: freeze({ KR: prefix('KR'), EU: prefix('EU') }),
  };
}

/** The released items of `mask` (bits of `fast.bit`), in declaration order: shared, frozen. */
export function itemsOfMask(plan: DeclarationPlan, fast: FastPlan, mask: number): readonly ReleasedItem[] {
  if (mask === fast.full) return plan.items;
  return fast.subsets.get(mask) ?? subsetOf(plan, fast, mask);
}

/**
 * The first `itemsOfMask` of a mask. Apart because its callback captures `mask`: a function
 * with a closure allocates its context on every call, even when the closure is not created.
 */
function subsetOf(plan: DeclarationPlan, fast: FastPlan, mask: number): readonly ReleasedItem[] {
  const out = Object.freeze(plan.items.filter((_, i) => (mask & (1 << i)) !== 0));
  fast.subsets.set(mask, out);
  return out;
}

/**
 * The trace of an allow of `plan` to a recipient in `country`, per jurisdiction: every check
 * passed, each with its shared step, in the order `decide` runs them. Only meaningful where the
 * legal basis and the transfer pass (the allow path asks only then).
 */
export function allowTraces(plan: DeclarationPlan, country: string): AllowTraces {
  const fast = plan.fast;
  if (fast === undefined) throw new Error(`declaration ${plan.id} has no allow-path tables`);
  return fast.traces.get(country) ?? buildAllowTraces(plan, fast, country);
}

/** The first `allowTraces` of a destination (apart, like `subsetOf`: it has closures). */
function buildAllowTraces(plan: DeclarationPlan, fast: FastPlan, country: string): AllowTraces {
  {
    const tp = plan.transfer.get(country);
    const one = (j: Jurisdiction): readonly TraceStep[] => {
      // A destination outside the declared countries reaches an allow only when not overseas.
      const transfer = tp?.[j] ?? { overseas: false, step: step('transfer', true, `${country} is not overseas for ${j} subjects`) };
      const needProvision = plan.basis === 'consent';
      const needTransfer = transfer.overseas && plan.transferGroundIsConsent;
      const consent = needProvision || needTransfer ? [...(needProvision ? [CONSENT_OK] : []), ...(needTransfer ? [TRANSFER_CONSENT_OK] : [])] : [plan.steps.consentNotNeeded];
      return [
        ...fast.prefix[j],
        plan.steps.purposeOk,
        plan.steps.itemsOk,
        plan.steps.objectionOk,
        plan.legalBasis[j].step,
        transfer.step,
        ...consent,
        plan.steps.retentionOk,
      ];
    };
    const kr = one('KR');
    const eu = one('EU');
    const t: AllowTraces = freeze({ KR: Object.freeze([...kr]), EU: Object.freeze([...eu]), source: freeze({ KR: kr, EU: eu }) });
    fast.traces.set(country, t);
    return t;
  }
}

function transferCheck(registry: RegistryModel, d: Declaration, p: Party, country: string, j: Jurisdiction): CheckResult {
  if (!registry.isOverseas(country, j)) {
    return freeze({ ok: true, overseas: false, step: step('transfer', true, `${country} is not overseas for ${j} subjects`) });
  }
  const v = transferVerdict(registry, d, p, country, j);
  return freeze({ ok: v.ok, overseas: true, step: step('transfer', v.ok, v.detail, v.article) });
}

/** The legal-basis verdict of the jurisdiction's pack, as a shared step (`overseas` is unused here). */
function basisCheck(registry: RegistryModel, d: Declaration, p: Party, j: Jurisdiction): CheckResult {
  const v = legalBasisVerdict(registry, d, p, j);
  return freeze({ ok: v.ok, overseas: false, step: step('basis', v.ok, v.detail, v.article) });
}

/** The terms fingerprint the gate holds for a declaration (or `<id>:transfer`) of `registry`; undefined if not declared. */
export function termsOf(registry: RegistryModel, declarationOrChoiceId: string): string | undefined {
  const id = parseChoice(declarationOrChoiceId).declarationId;
  const d = registry.declarations.get(id);
  if (!d) return undefined;
  const plans = gateIndex(registry).parties.get(d.recipient)?.byPurpose.get(d.purpose);
  return plans?.find((p) => p.id === id)?.fingerprint;
}

function freeze<T extends object>(o: T): T {
  return Object.freeze(o);
}
