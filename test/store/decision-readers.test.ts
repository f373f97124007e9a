import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendDecision } from '../../src/app/decision-entry.ts';
import { ConsoleQueries } from '../../src/store/console-queries.ts';
import { releasedItem } from '../../src/store/decision-json.ts';
import { DecisionsRepo, type DecisionRow } from '../../src/store/decisions-repo.ts';
import { breachFacts, decisionCounts, denyStats, provisionRows, timelineRows, transferRows } from '../../src/store/report-queries.ts';
import { decisionsAfter, RightsRepo } from '../../src/store/rights-repo.ts';
import { TokensRepo } from '../../src/store/tokens-repo.ts';
import { releasesOf } from '../../src/store/usage-notice-queries.ts';
import { asWritten, decisionJournal, decisionRows } from '../support/decision-rows.ts';
import { engines } from '../support/engines.ts';

/**
 * Migration 222 keeps in release_decisions only what a decision's ledger entry lacks or what
 * queries filter on; every other field is read back from the entry. Every reader of decisions
 * answers from what was decided: each answer is held to a model computed from the rows written.
 */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0')),
  fc.constantFrom('\\', '\t', '\n', '"', '주문-😀', '\\N', '', 'seller-a'),
);
// Whole milliseconds in one year, so a period covers all of them; both engines store ms exactly.
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2026, 11, 31);
const ms = fc.integer({ min: FROM, max: TO });

const sortBy = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
const released = (r: DecisionRow) => r.allow && r.released.length > 0;
const LONG_SUBJECT = 'sp_' + 'x'.repeat(198);

describe.each(engines())('every reader of release decisions answers what was decided, on %s', (engine) => {
  const t = decisionJournal(engine);
  const written: Array<{ row: DecisionRow; leaf: number }> = [];
  let n = 0;

  it('get, console, stream, reports, breach, usage notices, rights and tokens (property)', async () => {
    const decision = () =>
      decisionRows({
        id: fc.constant(`rd${engine}_${n++}`),
        // '' and a 201-character pseudonym, which the ledger does not index (ledger_entries.subject
        // is NULL): every reader answers them all the same (the deny statistics count them).
        subject: fc.constantFrom('sp_a', 'sp_b', 'sp_c', '', LONG_SUBJECT),
        text,
        ms,
        item: fc.tuple(fc.constantFrom('name', 'phone', 'address'), fc.constantFrom('plain', 'masked')).map(([c, f]) => releasedItem(c, f)),
        step: fc.record({ check: text, ok: fc.boolean(), detail: text }),
      }).map((r) => ({ ...r, recipient: r.recipient.length % 2 ? 'seller-a' : r.recipient }));
    const batch = fc.integer({ min: 1, max: 12 }).chain((size) => fc.tuple(...Array.from({ length: size }, decision)));
    await fc.assert(
      fc.asyncProperty(batch, async (rows) => {
        const done = await Promise.all(rows.map((r) => appendDecision(t.journal, r)));
        rows.forEach((row, i) => written.push({ row, leaf: done[i]!.leafIndex }));
        await checkReaders();
      }),
      { numRuns: 8 },
    );
  });

  async function checkReaders() {
    const db = t.db;
    await db.query(`INSERT INTO subjects (id, pseudonym, jurisdiction) VALUES ('s-a', 'sp_a', 'KR'), ('s-b', 'sp_b', 'EU') ON CONFLICT DO NOTHING`);
    const period = { from: FROM, to: TO, belowLeaf: Math.max(...written.map((w) => w.leaf)) + 1 };
    const byLeaf = [...written].sort((a, b) => a.leaf - b.leaf);
    const byTime = [...written].sort((a, b) => a.row.at - b.row.at || a.leaf - b.leaf);

    // DecisionsRepo.get: the whole record. It parses the entry itself (no view): its answer is the
    // view's, to the order of keys (a released item reads back as jsonb keeps it: form, category).
    for (const { row: r, leaf } of written.slice(-12)) {
      const got = await new DecisionsRepo(db).get(r.id);
      expect(got).toEqual({ ...asWritten(r), leaf_index: leaf });
      const [view] = await db.query('SELECT * FROM release_decision_records WHERE id = $1', [r.id]);
      expect(JSON.stringify(got)).toBe(JSON.stringify(view));
    }
    expect(await new DecisionsRepo(db).get('no such decision')).toBeUndefined();

    // The console's stream and the relay's stream.
    const summary = ({ row: r, leaf }: (typeof written)[number]) => ({
      id: r.id,
      leaf_index: leaf,
      recipient: r.recipient,
      subject_pseudonym: r.subjectPseudonym,
      purpose: r.purpose,
      declaration_id: r.declarationId,
      allow: r.allow,
      code: r.code,
      article: r.article,
      basis: r.basis,
      decided_at: new Date(r.at),
    });
    const recent = await new ConsoleQueries(db).recentDecisions(-1, 10_000);
    expect(recent).toEqual([...byLeaf].reverse().map(summary));
    const recentView = await db.query(
      `SELECT id, leaf_index, recipient, subject_pseudonym, purpose, declaration_id, allow, code, article, basis, decided_at
       FROM release_decision_records ORDER BY leaf_index DESC`,
    );
    expect(JSON.stringify(recent)).toBe(JSON.stringify(recentView));
    // A page after a cursor, as the stream polls.
    const cursor = byLeaf[Math.floor(byLeaf.length / 2)]!.leaf;
    expect(await new ConsoleQueries(db).recentDecisions(cursor, 3)).toEqual([...byLeaf].reverse().filter((w) => w.leaf > cursor).slice(0, 3).map(summary));
    expect(await decisionsAfter(db, -1, 10_000)).toEqual(
      byLeaf.map(({ row: r, leaf }) => ({
        decisionId: r.id,
        leafIndex: leaf,
        allow: r.allow,
        recipient: r.recipient,
        subject: r.subjectPseudonym,
        purpose: r.purpose,
        declarationId: r.declarationId,
        basis: r.basis,
        code: r.code,
        items: r.released.map((i) => i.category),
        at: r.at,
      })),
    );
    const denies = await new ConsoleQueries(db).denyCodes(new Date(FROM));
    const denyCodes = new Map<string, number>();
    for (const { row: r } of written) if (!r.allow) denyCodes.set(r.code ?? '?', (denyCodes.get(r.code ?? '?') ?? 0) + 1);
    if (denyCodes.size <= 20) expect(sortBy(denies, (d) => d.code)).toEqual(sortBy([...denyCodes].map(([code, n]) => ({ code, n })), (d) => d.code));

    // Reports.
    expect(await decisionCounts(db, period)).toEqual({ allowed: written.filter((w) => w.row.allow).length, denied: written.filter((w) => !w.row.allow).length });
    const provisions = byTime.filter((w) => released(w.row));
    expect(await provisionRows(db, period, 10_000)).toEqual({
      total: provisions.length,
      rows: provisions.map(({ row: r, leaf }) => ({
        at: new Date(r.at).toISOString(),
        recipient: r.recipient,
        subject: r.subjectPseudonym,
        purpose: r.purpose,
        declaration_id: r.declarationId,
        basis: r.basis,
        items: r.released.map((i) => i.category),
        leaf_index: leaf,
        decision_id: r.id,
      })),
    });
    const denyKey = (code: string, article: string) => JSON.stringify([code, article]);
    const denyModel = new Map<string, { code: string; article: string; denies: number; subjects: Set<string> }>();
    for (const { row: r } of written.filter((w) => !w.row.allow)) {
      const k = denyKey(r.code ?? 'UNKNOWN', r.article ?? '');
      const g = denyModel.get(k) ?? { code: r.code ?? 'UNKNOWN', article: r.article ?? '', denies: 0, subjects: new Set<string>() };
      g.denies++;
      g.subjects.add(r.subjectPseudonym);
      denyModel.set(k, g);
    }
    expect(sortBy(await denyStats(db, period), (d) => denyKey(d.code, d.article))).toEqual(
      sortBy([...denyModel.values()].map((g) => ({ code: g.code, article: g.article, denies: g.denies, subjects: g.subjects.size })), (d) => denyKey(d.code, d.article)),
    );
    // Transfers: releases with a declaration to a recipient of known country, by group and volume.
    const countries: Record<string, string> = { 'seller-a': 'KR', '': 'CN', '\\': 'US', '"': 'JP' };
    const jurisdiction = (subject: string) => (subject === 'sp_b' ? 'EU' : 'KR');
    const transfers = written.filter((w) => released(w.row) && w.row.declarationId !== null);
    const groupModel = new Map<string, { recipient: string; class_id: null; declaration_id: string; country: string; jurisdiction: string; releases: number; subjects: Set<string> }>();
    const volumeModel = new Map<string, { declaration_id: string; country: string; jurisdiction: string; releases: number; subjects: Set<string> }>();
    const itemModel = new Map<string, Set<string>>();
    for (const { row: r } of transfers) {
      const ik = JSON.stringify([r.recipient, r.declarationId]);
      itemModel.set(ik, new Set([...(itemModel.get(ik) ?? []), ...r.released.map((i) => i.category)]));
      const country = Object.hasOwn(countries, r.recipient) ? countries[r.recipient]! : null;
      if (country === null) continue;
      const j = jurisdiction(r.subjectPseudonym);
      const gk = JSON.stringify([r.recipient, r.declarationId, country, j]);
      const g = groupModel.get(gk) ?? { recipient: r.recipient, class_id: null, declaration_id: r.declarationId!, country, jurisdiction: j, releases: 0, subjects: new Set<string>() };
      g.releases++;
      g.subjects.add(r.subjectPseudonym);
      groupModel.set(gk, g);
      const vk = JSON.stringify([r.declarationId, country, j]);
      const v = volumeModel.get(vk) ?? { declaration_id: r.declarationId!, country, jurisdiction: j, releases: 0, subjects: new Set<string>() };
      v.releases++;
      v.subjects.add(r.subjectPseudonym);
      volumeModel.set(vk, v);
    }
    const gotTransfers = await transferRows(db, period, countries, 'KR');
    expect(sortBy(gotTransfers.transfers, (g) => JSON.stringify(g))).toEqual(
      sortBy(
        [...groupModel.values()].map(({ subjects, ...g }) => ({ ...g, subjects: subjects.size, items: [...itemModel.get(JSON.stringify([g.recipient, g.declaration_id]))!].sort() })),
        (g) => JSON.stringify(g),
      ),
    );
    expect(sortBy(gotTransfers.volumes, (v) => JSON.stringify(v))).toEqual(
      sortBy([...volumeModel.values()].map(({ subjects, ...v }) => ({ ...v, subjects: subjects.size })), (v) => JSON.stringify(v)),
    );

    const timeline = await timelineRows(db, period, 'month');
    expect([...timeline.values()].reduce((s, b) => s + b.allowed + b.denied, 0)).toBe(written.length);

    // Breach facts for one recipient in the period.
    const toSeller = written.filter((w) => released(w.row) && w.row.recipient === 'seller-a');
    const breach = await breachFacts(db, { recipient: 'seller-a', from: FROM, to: TO, belowLeaf: period.belowLeaf });
    expect(breach.releases).toBe(toSeller.length);
    expect(breach.subjects).toBe(new Set(toSeller.map((w) => w.row.subjectPseudonym)).size);
    expect([...breach.items].sort()).toEqual([...new Set(toSeller.flatMap((w) => w.row.released.map((i) => i.category)))].sort());
    expect([...breach.pseudonyms].sort()).toEqual([...new Set(toSeller.map((w) => w.row.subjectPseudonym))].sort());

    // Breach facts over the period for every recipient: counts by the subjects' jurisdiction.
    const allReleased = written.filter((w) => released(w.row));
    const subjectsOf = (ws: typeof written) => new Set(ws.map((w) => w.row.subjectPseudonym));
    const everyBreach = await breachFacts(db, { recipient: null, from: FROM, to: TO, belowLeaf: period.belowLeaf });
    expect({ ...everyBreach, items: [...everyBreach.items].sort(), recipients: [...everyBreach.recipients].sort(), pseudonyms: [...everyBreach.pseudonyms].sort() }).toEqual({
      releases: allReleased.length,
      subjects: subjectsOf(allReleased).size,
      krSubjects: subjectsOf(allReleased.filter((w) => w.row.subjectPseudonym === 'sp_a')).size,
      euSubjects: subjectsOf(allReleased.filter((w) => w.row.subjectPseudonym === 'sp_b')).size,
      items: [...new Set(allReleased.flatMap((w) => w.row.released.map((i) => i.category)))].sort(),
      recipients: [...new Set(allReleased.map((w) => w.row.recipient))].sort(),
      pseudonyms: [...subjectsOf(allReleased)].sort(),
    });
    expect((await breachFacts(db, { recipient: null, from: null, to: null, belowLeaf: period.belowLeaf }, 2)).pseudonyms).toEqual(everyBreach.pseudonyms.slice(0, 2));

    // Usage notices and access requests, per subject.
    const usage = await releasesOf(db, ['sp_a', 'sp_b', 'sp_c'], FROM, TO);
    for (const subject of ['sp_a', 'sp_b', 'sp_c']) {
      const mine = byTime.filter((w) => released(w.row) && w.row.subjectPseudonym === subject);
      expect(usage.get(subject) ?? []).toEqual(
        mine.map(({ row: r, leaf }) => ({
          recipient: r.recipient,
          declarationId: r.declarationId,
          purpose: r.purpose,
          basis: r.basis,
          items: r.released.map((i) => i.category),
          at: r.at,
          ledgerIndex: leaf,
        })),
      );
      const record = ({ row: r, leaf }: (typeof written)[number]) => ({
        decisionId: r.id,
        leafIndex: leaf,
        recipient: r.recipient,
        purpose: r.purpose,
        basis: r.basis,
        declarationId: r.declarationId,
        items: r.released.map((i) => ({ ...i })),
        orderRef: r.orderRef,
        retentionUntil: r.retentionUntil,
        at: r.at,
      });
      const newestFirst = [...mine].sort((a, b) => b.row.at - a.row.at || b.leaf - a.leaf);
      expect(await new RightsRepo(db).releasesOf(subject, 10_000)).toEqual(newestFirst.map(record));
    }
    // Retention sweep: releases whose retention ended, with the subject id (subjects inserted above).
    const ended = await new RightsRepo(db).retentionEnded(TO, 10_000);
    const endedModel = written.filter((w) => released(w.row) && w.row.retentionUntil !== null && w.row.retentionUntil <= TO && ['sp_a', 'sp_b'].includes(w.row.subjectPseudonym));
    expect(sortBy(ended.map((e) => `${e.decisionId} ${e.subject} ${e.orderRef} ${e.retentionUntil}`), (x) => x)).toEqual(
      sortBy(endedModel.map((w) => `${w.row.id} ${w.row.subjectPseudonym === 'sp_a' ? 's-a' : 's-b'} ${w.row.orderRef} ${w.row.retentionUntil}`), (x) => x),
    );

    // A token redemption reads the issuing decision's order reference by its id.
    const last = written.at(-1)!.row;
    const hash = Buffer.alloc(32, n % 256);
    await db.query(
      `INSERT INTO release_tokens (token_hash, recipient, subject, category, declaration_id, decision_id, issued_at) VALUES ($1, 'seller-a', 's', 'name', 'd', $2, now())
       ON CONFLICT (token_hash) DO UPDATE SET decision_id = EXCLUDED.decision_id`,
      [hash, last.id],
    );
    expect((await new TokensRepo(db).findToken(hash))!.orderRef).toBe(last.orderRef);
  }
});
