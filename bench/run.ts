/**
 * `npm run bench [name…]`: runs every benchmark (or the named ones) in sequence.
 * Each module in `benches` exports `run(): Promise<void>` and writes bench/results/<name>.json.
 */
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {};

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const mod = await load();
  await mod.run();
}
