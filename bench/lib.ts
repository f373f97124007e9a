import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/**
 * Shared benchmark helpers. Every benchmark measures ours *and* a baseline in the same run and
 * reports the ratio, so numbers survive a change of machine; results go to bench/results/.
 */
export interface Stats {
  n: number;
  p50_us: number;
  p99_us: number;
  mean_us: number;
  ops_per_s: number;
}

/** Times `fn` once per input; returns latency percentiles and throughput. */
export function measure<T>(inputs: readonly T[], fn: (x: T) => unknown): Stats {
  const lat = new Float64Array(inputs.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < inputs.length; i++) {
    const t0 = process.hrtime.bigint();
    fn(inputs[i]!);
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  return summarize(lat, total);
}

export function summarize(latUs: Float64Array | number[], totalSeconds: number): Stats {
  const sorted = Float64Array.from(latUs).sort();
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50_us: round(pick(0.5)),
    p99_us: round(pick(0.99)),
    mean_us: round(sum / Math.max(1, sorted.length)),
    ops_per_s: round(sorted.length / totalSeconds),
  };
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
export const ratio = (ours: number, baseline: number) => round(ours / baseline, 2);

export function machine() {
  return { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', mem_gib: round(totalmem() / 2 ** 30, 1) };
}

/** Writes `bench/results/<name>.json` and prints a one-line summary per entry. */
export function report(name: string, result: Record<string, unknown>): void {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const body = { name, at: new Date().toISOString(), machine: machine(), ...result };
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), JSON.stringify(body, null, 2) + '\n');
  console.log(`\n== ${name} ==`);
  console.log(JSON.stringify(result, null, 2));
}
