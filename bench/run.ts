/**
 * `npm run bench [name…]`: runs every benchmark (or the named ones) in sequence.
 * Each module in `benches` exports `run(): Promise<void>` and writes bench/results/<name>.json.
 */
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  replay: () => import('./replay.ts'),
  gate: () => import('./gate.ts'),
  release: () => import('./release.ts'),
  ledger: () => import('./ledger.ts'),
  consent: () => import('./consent.ts'),
  load: () => import('./load.ts'),
  durable: () => import('./durable.ts'),
};

// Bench names; `--flag value` pairs are options for the benches themselves (e.g. load --seconds 10).
const wanted = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
for (const [name, load] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const mod = await load();
  await mod.run();
}
