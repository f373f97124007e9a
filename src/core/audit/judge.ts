import type { Party, RegistryModel } from '../registry/model.ts';
import type { Declaration, Jurisdiction } from '../registry/schema.ts';
import { addDuration, parseDuration, type IsoDuration } from '../time/duration.ts';
import type { ConsentHistory } from './consent-history.ts';
import { legalBasisVerdict, transferVerdict } from '../law/verdicts.ts';
import { packFor, versionOn } from '../law/packs.ts';
import type { LawDate } from '../law/types.ts';
import { LawDayOf } from './law-day.ts';
import type { AuditCode, Member, ShareRecord, Verdict } from './types.ts';

export interface JudgeContext {
  readonly registry: RegistryModel;
  readonly members: ReadonlyMap<string, Member>;
  readonly consents: ConsentHistory;
  /** Jurisdiction of the subjects in the log: decides what "overseas" means and which articles apply. */
  readonly jurisdiction: Jurisdiction;
  /**
   * Epoch ms by which the subject's data had certainly been collected: the earlier of the
   * subject's first share seen and first consent grant. Anchor of `retention.from: collection`.
   */
  readonly collectedAt: (subject: string) => number | undefined;
}

export type Judge = (record: ShareRecord) => Verdict;

interface Prepared {
  readonly d: Declaration;
  readonly party: Party;
  readonly items: ReadonlySet<string>;
  /** Bound relative to the collection anchor; undefined when a share log cannot exceed it. */
  readonly fromCollection?: IsoDuration;
  readonly fromContractEnd: boolean;
}

/**
 * Judges share records as of their own timestamps — the replay's evaluation order (issue 8):
 *   1. recipient neither a registry recipient/class nor a member → UNDECLARED_RECIPIENT, plus
 *      NO_TRANSFER_GROUND when the logged country is overseas; nothing else can be judged.
 *   2. no declaration for (recipient or its class, purpose) → UNDECLARED_PURPOSE; stop.
 *   3. against the declaration: UNDECLARED_ITEMS; NO_CONSENT / CONSENT_WITHDRAWN when consent
 *      is the legal basis (or the transfer ground abroad); NO_TRANSFER_GROUND when the destination
 *      is overseas and not declared, or the declaration's ground does not hold there (the gate's
 *      `transferVerdict`); RETENTION_EXPIRED; NO_LEGAL_BASIS when the law pack finds the declaration's
 *      legal basis cannot carry the share (e.g. contract necessity to a third party, PIPA 17(1)).
 * When several declarations match, the record is judged against the one it breaches least
 * (a share is lawful if any declaration covers it); ties go to the first in the registry.
 *
 * Law by date: the transfer ground is judged by the rules in force on the record's calendar date in
 * the pack's zone (KR: before 15 September 2023 the former 17(3) and 39-12, from then 28-8), and the
 * verdict names that law version (`law`). So is the legal basis (KR: former 17(1)2 allowed provision
 * on 15(1)2, 3 and 5 only); before the oldest version a pack carries, by the law in force now.
 */
export function createJudge(ctx: JudgeContext): Judge {
  const prepared = new Map<string, Prepared>();
  for (const d of ctx.registry.declarations.values()) {
    const party = ctx.registry.parties.get(d.recipient);
    if (!party) continue; // parseRegistry refuses dangling references; defensive only
    const r = d.retention;
    prepared.set(d.id, {
      d,
      party,
      items: new Set(d.items.map((i) => i.category)),
      ...(r !== 'indefinite' && r.from === 'collection' ? { fromCollection: parseDuration(r.duration) } : {}),
      fromContractEnd: r !== 'indefinite' && r.from === 'contract_end',
    });
  }
  const { registry, jurisdiction } = ctx;
  const pack = packFor(jurisdiction);
  const dayOf = new LawDayOf(pack.timeZone);
  // Law version per date: few distinct days per log, so a map is enough.
  const lawOf = new Map<LawDate, string>();
  const lawVersion = (on: LawDate) => {
    let id = lawOf.get(on);
    if (id === undefined) lawOf.set(on, (id = versionOn(pack, on)?.id ?? NO_LAW_VERSION));
    return id;
  };
  const overseas = (c: string) => registry.isOverseas(c, jurisdiction);
  // Transfer verdicts depend only on (declaration, destination, date): computed once each.
  const groundCache = new Map<Prepared, Map<string | undefined, Map<LawDate, { abroad: boolean; ok: boolean }>>>();
  const transferTo = (p: Prepared, country: string | undefined, on: LawDate) => {
    let byCountry = groundCache.get(p);
    if (!byCountry) groundCache.set(p, (byCountry = new Map()));
    let byDay = byCountry.get(country);
    if (!byDay) byCountry.set(country, (byDay = new Map()));
    let hit = byDay.get(on);
    if (!hit) {
      // A logged country wins over the registry's: it is what happened. Without one, a class
      // declaration is judged against every country the class may be in. As in the gate, a
      // country the declaration never named has no ground, whatever the declared one.
      const declared = registry.destinationCountries(p.d);
      const abroad = (country !== undefined ? [country] : declared).filter(overseas);
      hit = { abroad: abroad.length > 0, ok: abroad.every((c) => declared.includes(c) && groundHolds(p, c, on)) };
      byDay.set(on, hit);
    }
    return hit;
  };

  // The law pack's legal-basis verdict for the log's jurisdiction, on the record's date: per
  // (declaration, date). Before the oldest version a pack carries, the law in force now.
  const basisCache = new Map<Prepared, Map<LawDate, boolean>>();
  const basisOk = (p: Prepared, on: LawDate, law: string) => {
    let byDay = basisCache.get(p);
    if (!byDay) basisCache.set(p, (byDay = new Map()));
    let ok = byDay.get(on);
    if (ok === undefined) {
      ok = legalBasisVerdict(registry, p.d, p.party, jurisdiction, law === NO_LAW_VERSION ? {} : { on }).ok;
      byDay.set(on, ok);
    }
    return ok;
  };

  // The gate's own verdict (the law packs, src/core/law/verdicts.ts), so a replay and a live gate agree.
  const groundHolds = (p: Prepared, c: string, on: LawDate) => transferVerdict(registry, p.d, p.party, c, jurisdiction, { on }).ok;

  // RegistryModel.declarationsFor builds a string key per call; a nested map does not allocate.
  const byParty = new Map<string, Map<string, readonly Declaration[]>>();
  const declarationsFor = (party: string, purpose: string): readonly Declaration[] => {
    if (!registry.purposes.has(purpose)) return []; // keeps the cache bounded by the registry
    let byPurpose = byParty.get(party);
    if (!byPurpose) byParty.set(party, (byPurpose = new Map()));
    let list = byPurpose.get(purpose);
    if (!list) byPurpose.set(purpose, (list = registry.declarationsFor(party, purpose)));
    return list;
  };

  return (rec) => {
    const known = registry.parties.get(rec.recipient);
    const member = known ? undefined : ctx.members.get(rec.recipient);
    const partyId = known?.id ?? member?.classId;
    const country = rec.country ?? (known?.kind === 'recipient' ? known.country : member?.country);
    const classId = member?.classId;
    const on = dayOf.of(rec.at);
    const law = lawVersion(on);
    if (partyId === undefined) {
      const codes: AuditCode[] = ['UNDECLARED_RECIPIENT'];
      if (rec.country !== undefined && overseas(rec.country)) codes.push('NO_TRANSFER_GROUND');
      return verdict(codes, undefined, undefined, country, false, law);
    }
    const declarations = declarationsFor(partyId, rec.purpose);
    let best: Verdict | undefined;
    for (const d of declarations) {
      const p = prepared.get(d.id);
      if (!p) continue;
      const v = against(p, rec, country, classId, on, law);
      if (!best || v.codes.length < best.codes.length) best = v;
    }
    return best ?? verdict(['UNDECLARED_PURPOSE'], undefined, classId, country, false, law);
  };

  function against(p: Prepared, rec: ShareRecord, country: string | undefined, classId: string | undefined, on: LawDate, law: string): Verdict {
    const codes: AuditCode[] = [];
    for (const i of rec.items) {
      if (!p.items.has(i)) {
        codes.push('UNDECLARED_ITEMS');
        break;
      }
    }
    const transfer = transferTo(p, country, on);
    if (p.d.legal_basis === 'consent' || (transfer.abroad && p.d.transfer?.ground === 'consent')) {
      const state = ctx.consents.stateAt(rec.subject, p.d.id, rec.recipient, rec.at);
      if (state === 'none') codes.push('NO_CONSENT');
      else if (state === 'withdrawn') codes.push('CONSENT_WITHDRAWN');
    }
    if (!transfer.ok) codes.push('NO_TRANSFER_GROUND');
    if (p.fromCollection) {
      const anchor = ctx.collectedAt(rec.subject);
      if (anchor !== undefined && rec.at > addDuration(anchor, p.fromCollection)) codes.push('RETENTION_EXPIRED');
    }
    // Listed last, in AUDIT_CODES order (the gate's DENY_CODES order), though the gate checks it before the transfer.
    if (!basisOk(p, on, law)) codes.push('NO_LEGAL_BASIS');
    return verdict(codes, p.d.id, classId, country, p.fromContractEnd, law);
  }
}

/** `law` of a record dated before the oldest law version its pack carries. */
export const NO_LAW_VERSION = 'none';

function verdict(codes: AuditCode[], declarationId: string | undefined, classId: string | undefined, country: string | undefined, retentionUnchecked: boolean, law: string): Verdict {
  const v: { -readonly [K in keyof Verdict]: Verdict[K] } = { codes, retentionUnchecked, law };
  if (declarationId !== undefined) v.declarationId = declarationId;
  if (classId !== undefined) v.classId = classId;
  if (country !== undefined) v.country = country;
  return v;
}
