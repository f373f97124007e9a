import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AdminActions } from '../src/app/admin-actions.ts';
import { ConsentService } from '../src/app/consent-service.ts';
import { ReceiptKeyring } from '../src/app/signing-keys.ts';
import { SubjectsService } from '../src/app/subjects-service.ts';
import { ledgerEntry, type ConsentEvent } from '../src/core/consent/events.ts';
import { compactJson } from '../src/core/consent/receipt-parts.ts';
import { ConsentProjection } from '../src/core/consent/projection.ts';
import { grantRequestSchema } from '../src/core/consent/request.ts';
import { termsOf } from '../src/core/gate/gate-index.ts';
import { noticeDeclarations } from '../src/core/notice/build.ts';
import { parseRegistry } from '../src/core/registry/parse.ts';
import { RegistryModel } from '../src/core/registry/model.ts';
import { CONSENT_KIND, consentBatchWriter, type ConsentBatchRow } from '../src/store/consent-repo.ts';
import { Journal } from '../src/store/journal.ts';
import { sqlLedgerAppender, subjectOf } from '../src/store/ledger-appender.ts';
import type { Database, Engine } from '../src/store/sql.ts';
import { openBenchDatabase, type BenchTarget } from './databases.ts';
import { measure, ratio, report, round, summarize, type Stats } from './lib.ts';

/**
 * The consent ledger's write path and the gate's read path.
 *
 * Writes: durable consent grants per second through the full service (validation against the
 * notice, receipt signing, journal group commit: events + SQL state + receipt + ledger leaf in
 * one transaction per batch), beside a naive baseline measured in the same run on the same
 * engine — one transaction per event doing the same rows and ledger leaf, callers equally
 * concurrent. The baseline does *less* work (no validation, no signing), so the ratio is a floor.
 *
 * Reads: `status()` from the in-memory projection (what the gate calls per release) beside the
 * same lookup as an indexed SQL query on `consent_state` (PGlite, in process: no network).
 */
const CONCURRENCY = 256;
/** The naive path holds a pooled connection per transaction: more callers than the pool (10) only queue. */
const NAIVE_CONCURRENCY = 8;
/** `--rounds N` (e.g. 1 for a smoke run; results then are not comparable with the committed ones). */
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 7;
/** The seller every bench grant names: a consent to a seller-class declaration names the member (PIPA 17(2)1). */
const SELLER = { id: 'bench-seller', classId: 'cn_sellers', name: 'Bench Seller Co.', country: 'CN', contact: { email: 'privacy@seller.example' }, disabledAt: null };
/** The member directory the service checks scoped grants against: the one bench seller. */
const members = {
  get: (id: string) => (id === SELLER.id ? { classId: SELLER.classId } : undefined),
  find: async (id: string) => (id === SELLER.id ? SELLER : undefined),
};
/** Per measured round; one more round runs first, unmeasured, to bring every path to steady state. */
const PER_ROUND: Record<Engine, { ours: number; naive: number }> = {
  pglite: { ours: 1_500, naive: 300 },
  postgres: { ours: 2_000, naive: 200 },
};
const LOOKUP_SUBJECTS = 100_000;
const LOOKUPS = 200_000;
const SQL_LOOKUPS = 3_000;

const model = new RegistryModel(parseRegistry(readFileSync(new URL('../examples/marketplace/registry.yaml', import.meta.url), 'utf8')).registry);

async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const lat: number[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const t = performance.now();
      await fn(i);
      lat[i] = (performance.now() - t) * 1000;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return lat;
}

export async function writes(target: BenchTarget) {
  let db: Database;
  try {
    db = await openBenchDatabase(target, 'consent');
  } catch (e) {
    if (target !== 'postgres') throw e;
    return { skipped: `PostgreSQL unreachable (set DATABASE_URL): ${(e as Error).message}` };
  }
  try {
    const per = PER_ROUND[db.engine];
    const n = { ours: per.ours * (ROUNDS + 1) };
    const journal = new Journal(db, sqlLedgerAppender);
    const admin = new AdminActions(journal);
    const subjects = new SubjectsService(db, admin, new Uint8Array(randomBytes(32)));
    const registry = { model };
    const consent = new ConsentService({ db, journal, admin, registry, subjects, members, receiptKeys: ReceiptKeyring.ephemeral() });
    await subjects.start();
    await consent.start();
    // The checkout notice naming the seller; the grant decides every choice it offers for
    // sellers_fulfilment (the provision and, separately, the overseas transfer), naming the seller.
    const notice = await consent.notice('checkout', SELLER.id);
    const hash = notice.hash;
    const choices = noticeDeclarations(notice.notice).find((d) => d.id === 'sellers_fulfilment')!.choices.map((c) => c.id);
    await pool(n.ours, CONCURRENCY, (i) => subjects.create({ id: `b-${i}`, jurisdiction: i % 2 ? 'KR' : 'EU', issueToken: false }, 'bench'));
    const request = grantRequestSchema.parse({ noticeHash: hash, channel: 'web', decisions: choices.map((declarationId) => ({ declarationId, grant: true, recipientId: SELLER.id })) });

    // Warm both paths (JIT, prepared plans) outside the measurement; keep one real receipt as
    // the body the storage-only and naive paths store, so every path writes the same bytes.
    const { receipt } = await consent.grant('b-0', request, { caller: 'subject' });
    const { signature: _s, ledger: _l, ...sample } = receipt;
    await pool(200, CONCURRENCY, (i) => consent.grant(`b-${i}`, request, { caller: 'subject' }));
    // The grant must be one the gate accepts for the seller: both choices active, to the current terms.
    await consent.catchUp();
    for (const c of choices) {
      const st = consent.status('b-0', c, SELLER.id, Date.now());
      if (st.state !== 'active' || st.fingerprint !== termsOf(model, c)) throw new Error(`bench grant of ${c} is not usable by the gate: ${JSON.stringify(st)}`);
    }

    const rowOf = (i: number, prefix: string) => {
      // One event per choice, as the service writes them: scoped to the seller, with the terms' fingerprint.
      const at = Date.now();
      const evs: Array<Omit<ConsentEvent, 'leafIndex' | 'pos' | 'receiptId'>> = choices.map((declarationId, k) => ({
        eventId: `${prefix}-${i}-${k}`, subjectId: `b-${i}`, action: 'grant', declarationId, purposeId: 'order_fulfilment',
        recipientId: SELLER.id, noticeHash: hash, collectionPoint: 'checkout', items: ['name', 'phone', 'address', 'customs_code'],
        expiresAt: null, at, channel: 'web', actor: 'subject', evidence: {}, fingerprint: termsOf(model, declarationId) ?? null,
      }));
      const row: ConsentBatchRow = { receiptId: `${prefix}-r-${i}`, subjectId: `b-${i}`, events: evs, receipt: compactJson({ ...sample, receiptId: `${prefix}-r-${i}` }) };
      // The log entry the service writes for the same request (same fields, same size).
      const entry = ledgerEntry({ receiptId: row.receiptId, pseudonym: subjects.pseudonymOf(`b-${i}`), at, events: evs.map((ev) => ({ ...ev, scoped: true })) });
      return { row, entry };
    };
    // Storage only: the same rows through the journal's group commit, no validation or signing.
    const journalOne = (i: number) => {
      const { row, entry } = rowOf(i, 'journal');
      return journal.append(CONSENT_KIND, row, entry);
    };
    const naiveOne = async (i: number) => {
      const { row, entry: e } = rowOf(i, 'naive');
      const entry = new TextEncoder().encode(JSON.stringify({ ...e, kind: CONSENT_KIND }));
      await db.transaction(async (tx) => {
        const leafIndex = await sqlLedgerAppender.append(tx, [{ entry, subject: subjectOf(e) }]);
        await consentBatchWriter(tx, [{ row, leafIndex }]);
      });
    };
    await pool(100, NAIVE_CONCURRENCY, (i) => naiveOne(1_000_000 + i));

    // Interleaved rounds: the three paths share whatever else the machine is doing, and each
    // round's ratio compares runs seconds apart. Medians over the rounds are reported.
    const rounds: Array<{ ours: Stats; storage: Stats; naive: Stats }> = [];
    for (let r = 0; r <= ROUNDS; r++) {
      console.error(`[consent bench] ${target}: ${r === 0 ? 'warm-up round' : `round ${r}/${ROUNDS}`}`);
      const base = r * per.ours;
      const timed = async (count: number, conc: number, fn: (i: number) => Promise<unknown>) => {
        // Each path is timed on its own work: the service first reads, untimed, what the path
        // before wrote behind its back (the naive path's 200 NOTIFYs, the journal-only rows).
        await journal.drain();
        await consent.catchUp();
        const t = performance.now();
        const lat = await pool(count, conc, fn);
        return summarize(lat, (performance.now() - t) / 1000);
      };
      const ours = await timed(per.ours, CONCURRENCY, (i) => consent.grant(`b-${base + i}`, request, { caller: 'subject' }));
      const storage = await timed(per.ours, CONCURRENCY, (i) => journalOne(base + i));
      const naive = await timed(per.naive, NAIVE_CONCURRENCY, (i) => naiveOne(r * per.naive + i));
      if (r > 0) rounds.push({ ours, storage, naive });
    }
    const med = (xs: number[]) => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
    const ours = { ops_per_s: med(rounds.map((x) => x.ours.ops_per_s)), p50_us: med(rounds.map((x) => x.ours.p50_us)), p99_us: med(rounds.map((x) => x.ours.p99_us)) };
    const storage = { ops_per_s: med(rounds.map((x) => x.storage.ops_per_s)), p50_us: med(rounds.map((x) => x.storage.p50_us)) };
    const naive = { ops_per_s: med(rounds.map((x) => x.naive.ops_per_s)), p50_us: med(rounds.map((x) => x.naive.p50_us)) };

    await journal.drain();
    await consent.stop();
    await subjects.stop();
    await journal.close();
    return {
      events: per.ours * ROUNDS,
      rounds: ROUNDS,
      warm_up_rounds: 1,
      concurrency: CONCURRENCY,
      naive_concurrency: NAIVE_CONCURRENCY,
      group_commit_events_per_s: ours.ops_per_s,
      group_commit_latency_p50_us: ours.p50_us,
      group_commit_latency_p99_us: ours.p99_us,
      storage_group_commit_events_per_s: storage.ops_per_s,
      storage_latency_p50_us: storage.p50_us,
      naive_events_per_s: naive.ops_per_s,
      naive_latency_p50_us: naive.p50_us,
      ratio_vs_naive: ratio(ours.ops_per_s, naive.ops_per_s),
      ratio_storage_vs_naive: ratio(storage.ops_per_s, naive.ops_per_s),
      ratio_vs_naive_per_round: rounds.map((x) => ratio(x.ours.ops_per_s, x.naive.ops_per_s)),
      ratio_storage_vs_naive_per_round: rounds.map((x) => ratio(x.storage.ops_per_s, x.naive.ops_per_s)),
      target_ratio: 10,
    };
  } finally {
    await db.close();
  }
}

export async function lookups() {
  // A projection with 100k subjects × 3 declarations, some withdrawn, some expired. The seller
  // class's declaration is consented to per seller (each subject's own seller), and its overseas
  // transfer as a second choice beside it, as the consent rules require.
  const events: ConsentEvent[] = [];
  const decls = ['sellers_fulfilment', 'ad_partner', 'cloud_hosting'];
  const CLASS_DECL = 'sellers_fulfilment';
  const sellerOf = (s: number) => `seller-${s % 50}`;
  for (let s = 0; s < LOOKUP_SUBJECTS; s++) {
    [...decls, `${CLASS_DECL}:transfer`].forEach((d, k) => {
      const kk = k % 3;
      events.push({
        eventId: `e${s}-${k}`, subjectId: `s${s}`, action: (s + kk) % 7 === 0 ? 'withdraw' : 'grant', declarationId: d, purposeId: 'p',
        recipientId: kk === 0 ? sellerOf(s) : null, noticeHash: 'h', collectionPoint: 'checkout', items: ['name'],
        expiresAt: s % 11 === 0 ? 1_000 : null, at: 0, channel: 'web', actor: 'subject', evidence: {}, receiptId: 'r', leafIndex: s, pos: k,
      });
    });
  }
  const p = ConsentProjection.fold(events);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  // A seller asks about its own customer (a release names an order); the gate counts only
  // consents naming the member for the class's declaration (scopedOnly).
  const queries = Array.from({ length: LOOKUPS }, () => {
    const n = Math.floor(rnd() * LOOKUP_SUBJECTS);
    const d = decls[Math.floor(rnd() * 3)]!;
    const other = `seller-${Math.floor(rnd() * 50)}`;
    return { s: `s${n}`, d, r: d === CLASS_DECL ? sellerOf(n) : other, scoped: d === CLASS_DECL };
  });
  measure(queries.slice(0, 20_000), (q) => p.status(q.s, q.d, q.r, 2_000, q.scoped)); // warm-up
  const memory = measure(queries, (q) => p.status(q.s, q.d, q.r, 2_000, q.scoped));
  // The same lookups in a tight loop: per-call timing above includes two hrtime reads.
  let hits = 0;
  const tl = process.hrtime.bigint();
  for (const q of queries) if (p.status(q.s, q.d, q.r, 2_000, q.scoped).state === 'active') hits++;
  const tightNs = Number(process.hrtime.bigint() - tl) / queries.length;

  // Baseline: the same question asked of the SQL state table (PGlite in process, indexed by primary key).
  const db = await openBenchDatabase('pglite_memory');
  try {
    const rows = events.slice(0, 40_000).map((e) => ({ subject_id: e.subjectId, declaration_id: e.declarationId, scope: e.recipientId ?? '', action: e.action, event_id: e.eventId, purpose_id: 'p', notice_hash: 'h', items: e.items, expires_at: e.expiresAt, at: 0, leaf_index: e.leafIndex, pos: e.pos }));
    await db.query(
      `INSERT INTO consent_state SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(subject_id text, declaration_id text, scope text, action text,
       event_id text, purpose_id text, notice_hash text, items jsonb, expires_at int8, at int8, leaf_index int8, pos int4)`,
      [JSON.stringify(rows)],
    );
    const sqlQ = queries.slice(0, SQL_LOOKUPS).map((q) => ({ ...q, s: `s${Number(q.s.slice(1)) % 10_000}` }));
    const lookup = (q: { s: string; d: string; r: string }) =>
      db.query(`SELECT action, expires_at, leaf_index, pos FROM consent_state WHERE subject_id = $1 AND declaration_id = $2 AND scope IN ($3, '') ORDER BY leaf_index DESC, pos DESC`, [q.s, q.d, q.r]);
    for (const q of sqlQ.slice(0, 300)) await lookup(q);
    const lat: number[] = [];
    const t0 = performance.now();
    for (const q of sqlQ) {
      const t = performance.now();
      await lookup(q);
      lat.push((performance.now() - t) * 1000);
    }
    const sql = summarize(lat, (performance.now() - t0) / 1000);
    return {
      subjects: LOOKUP_SUBJECTS,
      state_entries: events.length,
      memory_p50_us: memory.p50_us,
      memory_p99_us: memory.p99_us,
      memory_ops_per_s: memory.ops_per_s,
      memory_tight_loop_mean_ns: round(tightNs, 1),
      active_share: round(hits / queries.length, 3),
      target_p50_us: 2,
      sql_pglite_p50_us: sql.p50_us,
      ratio_p50_sql_over_memory: round(sql.p50_us / Math.max(memory.p50_us, 0.001), 1),
    };
  } finally {
    await db.close();
  }
}

export async function run(): Promise<void> {
  const pglite = await writes('pglite');
  const pgliteMemory = await writes('pglite_memory');
  const postgres = await writes('postgres');
  const lookup = await lookups();
  report('consent', {
    note:
      'writes: full service path (validate, sign receipt, group commit) and the same rows through the journal alone (storage), ' +
      'vs one transaction per event writing the same rows + ledger leaf (naive); pglite = data directory on disk as `npm start` ' +
      'runs it, pglite_memory = in memory as the tests run it (not durable); lookup: in-memory projection vs SQL on PGlite',
    writes: { pglite, pglite_memory: pgliteMemory, postgres },
    lookup,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
