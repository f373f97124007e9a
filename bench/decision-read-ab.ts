/**
 * Same-run A/B of what reading release decisions costs (migration 222 moved most of a decision's
 * columns into its ledger entry): each side writes N decisions through its own journal (times
 * spread over 100 days, a tenth denied, a thousand recipients), then the report, console, breach
 * and record queries run in alternating rounds; medians of rounds, milliseconds per query, and in
 * how many rounds each side after A was below A.
 *
 *   [BENCH_SKIP=regexp] [BENCH_ONLY=regexp] node --import tsx bench/decision-read-ab.ts <dirA> <dirB> [pglite|postgres] [decisions] [rounds] [dirC ...]
 *
 * More directories after the rounds are sides C, D, … (e.g. A = the tree before migration 222,
 * B = main, C = a branch). `get x100` reads 100 decisions spread over the log at any size.
 *
 * Not part of `npm run bench`.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
const dirs = [process.argv[2]!, process.argv[3]!, ...process.argv.slice(7)].map((d) => resolve(d));
const engine = (process.argv[4] ?? 'pglite') as 'pglite' | 'postgres';
const N = Number(process.argv[5] ?? 100_000);
const ROUNDS = Number(process.argv[6] ?? 5);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 8, 1);
const T1 = T0 + 100 * DAY;

async function side(name: string, dir: string) {
  const imp = (p: string) => import(pathToFileURL(join(dir, p)).href);
  const [{ Journal }, { sqlLedgerAppender }, { registerDecisionWriter, DecisionsRepo }, { appendDecision }, { openBenchDatabase }, bench, reports, { ConsoleQueries }] = await Promise.all([
    imp('src/store/journal.ts'), imp('src/store/ledger-appender.ts'), imp('src/store/decisions-repo.ts'), imp('src/app/decision-entry.ts'), imp('bench/databases.ts'),
    imp('bench/release.ts'), imp('src/store/report-queries.ts'), imp('src/store/console-queries.ts')]);
  const db = await openBenchDatabase(engine, `rd${name}`);
  const journal = new Journal(db, sqlLedgerAppender);
  registerDecisionWriter(journal);
  const ids: string[] = [];
  const w0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    const ps = [];
    for (let k = i; k < Math.min(N, i + 1000); k++) {
      const deny = k % 10 === 9;
      const r = { ...bench.decisionRow(k), at: T0 + Math.floor((k * 100 * DAY) / N), allow: !deny, code: deny ? 'NO_CONSENT' : null, article: deny ? 'PIPA 17' : null, released: deny ? [] : bench.decisionRow(k).released };
      if (k % Math.max(1, Math.floor(N / 100)) === 0) ids.push(r.id);
      ps.push(appendDecision(journal, r));
    }
    await Promise.all(ps);
  }
  console.log(`${name}: wrote ${N} decisions in ${((performance.now() - w0) / 1000).toFixed(1)} s`);
  const [{ below }] = await db.query('SELECT max(leaf_index) + 1 AS below FROM release_decisions');
  const all = { from: T0, to: T1, belowLeaf: Number(below) };
  const oneDay = { from: T0 + 50 * DAY, to: T0 + 51 * DAY - 1, belowLeaf: Number(below) };
  const countries = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`seller-${i}`, i % 3 ? 'KR' : 'CN']));
  const cq = new ConsoleQueries(db);
  const repo = new DecisionsRepo(db);
  const queries: Record<string, () => Promise<unknown>> = {
    'decisionCounts 100 d': () => reports.decisionCounts(db, all),
    'provisionRows 100 d (limit 1000)': () => reports.provisionRows(db, all, 1000),
    'provisionRows 1 d (limit 1000)': () => reports.provisionRows(db, oneDay, 1000),
    'denyStats 100 d': () => reports.denyStats(db, all),
    'timelineRows 100 d': () => reports.timelineRows(db, all, 'day'),
    'transferRows 100 d': () => reports.transferRows(db, all, countries, 'KR'),
    'transferRows 1 d': () => reports.transferRows(db, oneDay, countries, 'KR'),
    'breachFacts recipient, no period': () => reports.breachFacts(db, { recipient: 'seller-7', from: null, to: null, belowLeaf: all.belowLeaf }),
    // A poll takes about a millisecond: 20 of them per round, the time of one reported.
    'console recentDecisions 50': async () => { for (let i = 0; i < 20; i++) await cq.recentDecisions(-1, 50); },
    'console decisionsPerDay 30 d': () => cq.decisionsPerDay(new Date(T1 - 30 * DAY)),
    'console denyCodes 30 d': () => cq.denyCodes(new Date(T1 - 30 * DAY)),
    'get x100': async () => { for (const id of ids) await repo.get(id); },
  };
  // BENCH_SKIP: a regular expression of query names to leave out (main's transferRows over a long
  // period joins each release to the countries' jsonb_each_text unindexed: seconds per 2,000).
  const skip = process.env.BENCH_SKIP ? new RegExp(process.env.BENCH_SKIP) : null;
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const run = async () => {
    const out: Record<string, number> = {};
    for (const [k, q] of Object.entries(queries)) {
      if (skip?.test(k) || (only && !only.test(k))) continue;
      const t = performance.now(); await q(); out[k] = (performance.now() - t) / (k === 'console recentDecisions 50' ? 20 : 1);
    }
    return out;
  };
  return { name, run, close: async () => { await journal.close(); await db.close(); } };
}
const names = dirs.map((_, i) => String.fromCharCode(97 + i));
const sides = [];
for (const [i, dir] of dirs.entries()) {
  const s = await side(names[i]!, dir);
  await s.run();
  sides.push(s);
}
const res: Record<string, Array<Record<string, number>>> = Object.fromEntries(names.map((n) => [n, []]));
// Each round starts with the next side in turn, so no side always runs first or last.
for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < sides.length; k++) { const s = sides[(r + k) % sides.length]!; res[s.name]!.push(await s.run()); }
for (const s of sides) await s.close();
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`${engine}, ${N} decisions, ${ROUNDS} rounds, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ms per query, median (${names.map((n) => n.toUpperCase()).join(' / ')}), then rounds below A`);
for (const [i, d] of dirs.entries()) console.log(`  ${names[i]!.toUpperCase()} = ${d}`);
for (const k of Object.keys(res.a![0]!)) {
  const below = names.slice(1).map((n) => `${n.toUpperCase()} ${res[n]!.filter((x, r) => x[k]! < res.a![r]![k]!).length}/${ROUNDS}`).join(' ');
  console.log(`${k.padEnd(36)} ${names.map((n) => med(res[n]!.map((x) => x[k]!)).toFixed(1).padStart(8)).join(' ')}   ${below}`);
}
process.exit(0);
