/**
 * Deterministic generator for the AliExpress-shaped replay example.
 *
 *   node --import tsx examples/aliexpress-case/generate.ts   # rewrites the files beside it
 *
 * Writes shares.csv (20,000 share records over 2023 plus three bad rows), consents.jsonl,
 * members.csv and expected-summary.json. The expected summary is computed here from what the
 * generator *meant* each record to be (its scenario), not by calling the replay judge, so the
 * test that replays the files and compares is an independent check of the judge.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mulberry32 } from '../../src/core/seeded-random.ts';
import { fileURLToPath } from 'node:url';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';

export const RECORDS = 20_000;
const SUBJECTS = 4_000;
const SEED = 0x20240725; // the PIPC's AliExpress decision, July 2024
const START = Date.UTC(2022, 11, 31, 15); // 2023-01-01T00:00+09:00
const END = Date.UTC(2023, 11, 31, 15);
const DAY = 86_400_000;
const KST = 9 * 3_600_000;
const seller = (i: number, country: string): readonly [string, string] => [`seller-${String(i).padStart(4, '0')}`, country];
const SELLERS: ReadonlyArray<readonly [string, string]> = [
  ...Array.from({ length: 140 }, (_, i) => seller(i + 1, 'CN')),
  ...Array.from({ length: 10 }, (_, i) => seller(i + 141, 'HK')),
];
const CODES = ['UNDECLARED_RECIPIENT', 'UNDECLARED_PURPOSE', 'UNDECLARED_ITEMS', 'NO_CONSENT', 'CONSENT_WITHDRAWN', 'NO_TRANSFER_GROUND', 'RETENTION_EXPIRED', 'NO_LEGAL_BASIS'] as const;
const ARTICLE: Record<(typeof CODES)[number], string> = {
  UNDECLARED_RECIPIENT: 'PIPA 17(1)', UNDECLARED_PURPOSE: 'PIPA 18(1)', UNDECLARED_ITEMS: 'PIPA 3', NO_CONSENT: 'PIPA 17(1)',
  CONSENT_WITHDRAWN: 'PIPA 37', NO_TRANSFER_GROUND: 'PIPA 28-8(1)', RETENTION_EXPIRED: 'PIPA 21', NO_LEGAL_BASIS: 'PIPA 17(1)',
};
const CUSTOMS_RETENTION_DAYS = 180;
/**
 * The law versions the year straddles: a record dated (in Korea) before 15 September 2023 is judged by
 * the former PIPA 17(3) and 39-12, from that day by 28-8. Only the transfer article differs here.
 */
const LAW = [
  { id: 'PIPA-2020', title: 'PIPA as amended by Act No. 16930 (former 17(3) and 39-12), 2020-08-05 to 2023-09-14', from: '2020-08-05', to: '2023-09-14', transfer: 'PIPA 17(3), 39-12(2) (former)' },
  { id: 'PIPA-2023', title: 'PIPA as amended by Act No. 19234 (28-8), from 2023-09-15', from: '2023-09-15', to: null, transfer: 'PIPA 28-8(1)' },
] as const;
const PIPA_2023_STARTS = Date.UTC(2023, 8, 14, 15); // 2023-09-15T00:00+09:00
const lawOf = (at: number) => (at < PIPA_2023_STARTS ? LAW[0] : LAW[1]);

/** Seeded, so the committed files regenerate byte for byte. */
function prng(seed: number) {
  const next = mulberry32(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

const kst = (ms: number) => new Date(ms + KST).toISOString().slice(0, 19) + '+09:00';
const subjectId = (i: number) => `kr-${String(i + 1).padStart(6, '0')}`;

interface Consent { grant: number; withdraw?: number; scoped: boolean }
interface Planned { at: number; subject: number; recipient: string; purpose: string; items: string; country: string; logCountry: boolean; codes: string[]; contractEnd: boolean; cls?: string; decl?: string }

export function generate(): Record<string, string> {
  const rnd = prng(SEED);
  // Consent to marketing messages: 35% grant (some before 2023), 30% of those withdraw later.
  const consents = new Map<number, Consent>();
  for (let s = 0; s < SUBJECTS; s++) {
    if (rnd.next() >= 0.35) continue;
    const grant = START - 90 * DAY + rnd.int(300) * DAY + rnd.int(86_400) * 1000;
    const c: Consent = { grant, scoped: rnd.next() < 0.4 };
    if (rnd.next() < 0.3) c.withdraw = grant + (10 + rnd.int(200)) * DAY;
    consents.set(s, c);
  }
  const times = Array.from({ length: RECORDS }, () => START + rnd.int((END - START) / 1000) * 1000).sort((a, b) => a - b);
  const firstSeen = new Map<number, number>();
  const plans: Planned[] = times.map((at) => {
    const subject = rnd.int(SUBJECTS);
    if (!firstSeen.has(subject)) firstSeen.set(subject, at);
    return plan(rnd, at, subject, consents, firstSeen.get(subject)!);
  });

  const lines = ['timestamp,subject_id,recipient_id,purpose,items,recipient_country'];
  const badAt = new Map([[5_001, { text: '2023-02-30T10:00:00+09:00,kr-000001,kr_courier,order_fulfilment,name;phone;address,KR', field: 'timestamp' }], [12_002, { text: '2023-07-01T10:00:00+09:00,,kr_courier,order_fulfilment,name,KR', field: 'subject_id' }], [17_003, { text: '2023-09-01T10:00:00+09:00,kr-000002,kr_courier', field: undefined }]]);
  const badRows: Array<{ line: number; field?: string }> = [];
  for (const p of plans) {
    const bad = badAt.get(lines.length + 1);
    if (bad) {
      badRows.push({ line: lines.length + 1, ...(bad.field ? { field: bad.field } : {}) });
      lines.push(bad.text);
    }
    const items = p.items.includes(';') && rnd.next() < 0.1 ? `"${p.items}"` : p.items; // some quoted fields
    lines.push(`${kst(p.at)},${subjectId(p.subject)},${p.recipient},${p.purpose},${items},${p.logCountry ? p.country : ''}`);
  }

  const consentLines: Array<[number, string]> = [];
  for (const [s, c] of consents) {
    const scope = c.scoped ? { recipient: 'kr_ad_agency' } : {};
    consentLines.push([c.grant, JSON.stringify({ at: kst(c.grant), subject: subjectId(s), action: 'grant', declaration: 'marketing_messages', ...scope })]);
    if (c.withdraw !== undefined) consentLines.push([c.withdraw, JSON.stringify({ at: kst(c.withdraw), subject: subjectId(s), action: 'withdraw', declaration: 'marketing_messages', ...scope })]);
  }
  consentLines.sort((a, b) => a[0] - b[0]);

  const registryText = readFileSync(new URL('./registry.yaml', import.meta.url), 'utf8');
  const summary = expected(plans, badRows, new RegistryModel(parseRegistry(registryText).registry).hash);
  return {
    'shares.csv': lines.join('\n') + '\n',
    'consents.jsonl': consentLines.map(([, l]) => l).join('\n') + '\n',
    'members.csv': ['recipient_id,class,country', ...SELLERS.map(([id, c]) => `${id},overseas_sellers,${c}`)].join('\n') + '\n',
    'expected-summary.json': JSON.stringify(summary, null, 2) + '\n',
  };
}

/** What one record is, and which codes it must get, by construction. */
function plan(rnd: ReturnType<typeof prng>, at: number, subject: number, consents: Map<number, Consent>, firstSeen: number): Planned {
  const r = rnd.next();
  if (r < 0.52) {
    // The case itself: an order's data goes to the seller abroad on "contract necessity": no legal basis (PIPA 17(1)), no transfer ground.
    const [id, country] = rnd.pick(SELLERS);
    return { at, subject, recipient: id, purpose: 'order_fulfilment', items: 'name;phone;address;customs_code', country, logCountry: rnd.next() < 0.7, codes: ['NO_TRANSFER_GROUND', 'NO_LEGAL_BASIS'], contractEnd: true, cls: 'overseas_sellers', decl: 'sellers_fulfilment' };
  }
  if (r < 0.77) {
    const extra = rnd.next() < 0.02;
    return { at, subject, recipient: 'kr_courier', purpose: 'order_fulfilment', items: extra ? 'name;phone;address;customs_code' : 'name;phone;address', country: 'KR', logCountry: true, codes: extra ? ['UNDECLARED_ITEMS'] : [], contractEnd: true, decl: 'courier_delivery' };
  }
  if (r < 0.85) {
    // Customs filing: lawful, but only for 180 days after the customer's data was collected.
    const c = consents.get(subject);
    const anchor = c && c.grant < firstSeen ? c.grant : firstSeen;
    const expired = at > anchor + CUSTOMS_RETENTION_DAYS * DAY;
    return { at, subject, recipient: 'kr_customs_broker', purpose: 'customs_clearance', items: 'name;address;customs_code', country: 'KR', logCountry: false, codes: expired ? ['RETENTION_EXPIRED'] : [], contractEnd: false, decl: 'customs_filing' };
  }
  if (r < 0.95) {
    const c = consents.get(subject);
    const code = !c || at < c.grant ? ['NO_CONSENT'] : c.withdraw !== undefined && at >= c.withdraw ? ['CONSENT_WITHDRAWN'] : [];
    return { at, subject, recipient: 'kr_ad_agency', purpose: 'marketing', items: rnd.next() < 0.5 ? 'phone' : 'email;phone', country: 'KR', logCountry: rnd.next() < 0.5, codes: code, contractEnd: false, decl: 'marketing_messages' };
  }
  if (r < 0.98) {
    // A logistics hub abroad and a call centre at home that no registry mentions.
    const abroad = rnd.next() < 0.75;
    return abroad
      ? { at, subject, recipient: 'cn-logistics-hub', purpose: 'order_fulfilment', items: 'name;phone;address;customs_code', country: 'CN', logCountry: true, codes: ['UNDECLARED_RECIPIENT', 'NO_TRANSFER_GROUND'], contractEnd: false }
      : { at, subject, recipient: 'kr-callcenter', purpose: 'order_fulfilment', items: 'name;phone', country: 'KR', logCountry: true, codes: ['UNDECLARED_RECIPIENT'], contractEnd: false };
  }
  // Sellers reusing buyers' contacts for their own promotions.
  const [id, country] = rnd.pick(SELLERS);
  return { at, subject, recipient: id, purpose: 'marketing', items: 'phone', country, logCountry: rnd.next() < 0.7, codes: ['UNDECLARED_PURPOSE'], contractEnd: false, cls: 'overseas_sellers' };
}

function expected(plans: Planned[], badRows: Array<{ line: number; field?: string }>, registryHash: string) {
  const bucket = () => ({ records: 0, violating: 0, subjects: new Set<number>(), affected: new Set<number>() });
  type B = ReturnType<typeof bucket>;
  const add = (b: B, p: Planned) => {
    b.records++;
    b.subjects.add(p.subject);
    if (p.codes.length > 0) {
      b.violating++;
      b.affected.add(p.subject);
    }
  };
  const stats = (b: B) => ({ records: b.records, violating_records: b.violating, subjects: b.subjects.size, affected_subjects: b.affected.size });
  const all = bucket();
  const rules = new Map(CODES.map((c) => [c, bucket()]));
  const recipients = new Map<string, { b: B; cls?: string; country: string }>();
  const countries = new Map<string, B>();
  const declarations = new Map<string, { b: B; countries: Map<string, B> }>();
  const months = new Map<string, { records: number; violating_records: number }>();
  const laws = new Map<string, { b: B; rules: Map<string, B> }>();
  for (const p of plans) {
    const law = lawOf(p.at);
    if (!laws.has(law.id)) laws.set(law.id, { b: bucket(), rules: new Map(CODES.map((c) => [c, bucket()])) });
    add(laws.get(law.id)!.b, p);
    for (const c of p.codes) add(laws.get(law.id)!.rules.get(c)!, p);
    if (p.decl) {
      if (!declarations.has(p.decl)) declarations.set(p.decl, { b: bucket(), countries: new Map() });
      const d = declarations.get(p.decl)!;
      add(d.b, p);
      if (!d.countries.has(p.country)) d.countries.set(p.country, bucket());
      add(d.countries.get(p.country)!, p);
    }
    // Months of the subjects' jurisdiction (KR: Asia/Seoul, UTC+9 all year, no DST), as the replay counts them.
    const month = new Date(p.at + 9 * 3_600_000).toISOString().slice(0, 7);
    const m = months.get(month) ?? { records: 0, violating_records: 0 };
    m.records++;
    if (p.codes.length > 0) m.violating_records++;
    months.set(month, m);
    add(all, p);
    for (const c of p.codes) add(rules.get(c as (typeof CODES)[number])!, p);
    if (!recipients.has(p.recipient)) recipients.set(p.recipient, { b: bucket(), ...(p.cls ? { cls: p.cls } : {}), country: p.country });
    add(recipients.get(p.recipient)!.b, p);
    if (!countries.has(p.country)) countries.set(p.country, bucket());
    add(countries.get(p.country)!, p);
  }
  const sortedKeys = <V>(m: Map<string, V>) => [...m.keys()].sort();
  return {
    ...stats(all),
    // Over the year a code cites every law version's article that found it, oldest first.
    by_rule: Object.fromEntries(CODES.map((c) => {
      const cited = [...new Set(LAW.filter((l) => laws.get(l.id)?.rules.get(c)!.records).map((l) => (c === 'NO_TRANSFER_GROUND' ? l.transfer : ARTICLE[c])))];
      return [c, { records: rules.get(c)!.records, subjects: rules.get(c)!.subjects.size, article: cited.length > 0 ? cited.join('; ') : ARTICLE[c] }];
    })),
    by_recipient: Object.fromEntries(sortedKeys(recipients).map((k) => {
      const r = recipients.get(k)!;
      return [k, { ...(r.cls ? { class: r.cls } : {}), country: r.country, ...stats(r.b) }];
    })),
    by_country: Object.fromEntries(sortedKeys(countries).map((k) => [k, stats(countries.get(k)!)])),
    by_declaration: Object.fromEntries(sortedKeys(declarations).map((k) => {
      const d = declarations.get(k)!;
      return [k, { ...stats(d.b), countries: Object.fromEntries(sortedKeys(d.countries).map((c) => [c, stats(d.countries.get(c)!)])) }];
    })),
    by_month: Object.fromEntries(sortedKeys(months).map((k) => [k, months.get(k)!])),
    code_occurrences: plans.reduce((n, p) => n + p.codes.length, 0),
    by_law: Object.fromEntries(LAW.filter((l) => laws.has(l.id)).map((l) => {
      const { b, rules } = laws.get(l.id)!;
      return [l.id, {
        title: l.title,
        from: l.from,
        to: l.to,
        records: b.records,
        violating_records: b.violating,
        by_rule: Object.fromEntries(CODES.map((c) => [c, { records: rules.get(c)!.records, subjects: rules.get(c)!.subjects.size, article: c === 'NO_TRANSFER_GROUND' ? l.transfer : ARTICLE[c] }])),
      }];
    })),
    retention_unchecked: plans.filter((p) => p.contractEnd).length,
    out_of_order: 0,
    period: { from: new Date(plans[0]!.at).toISOString(), to: new Date(plans[plans.length - 1]!.at).toISOString() },
    bad_rows: { count: badRows.length, lines: badRows },
    jurisdiction: 'KR',
    registry_hash: registryHash,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [name, text] of Object.entries(generate())) writeFileSync(new URL(`./${name}`, import.meta.url), text);
  console.log(`wrote ${RECORDS} share records and the expected summary to examples/aliexpress-case/`);
}
