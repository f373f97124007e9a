import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { App } from '../../src/app/create.ts';

/** One scrape of a running app, parsed by a Prometheus text-format parser (families by name). */
export type Scrape = ReadonlyMap<string, parsePrometheusTextFormat.Family>;

export function parseScrape(text: string): Scrape {
  return new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
}

/** GET /metrics on the API port with a key that holds `metrics:read`. */
export async function scrape(app: App, key: string): Promise<Scrape> {
  const res = await app.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${key}` } });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}: ${res.body}`);
  return parseScrape(res.body);
}

const sameLabels = (a: Readonly<Record<string, string>> = {}, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/**
 * The value of the series `name{labels}` (exactly those labels); a histogram's count. Undefined
 * when the series is not exported.
 */
export function sample(s: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const m = s.get(name)?.metrics.find((x) => sameLabels(x.labels, labels));
  if (!m) return undefined;
  return Number(m.value ?? m.count);
}

/** Every series of `name` as "labels → value", for comparing two scrapes. */
export function series(s: Scrape, name: string): Map<string, number> {
  return new Map((s.get(name)?.metrics ?? []).map((m) => [JSON.stringify(m.labels ?? {}), Number(m.value ?? m.count)]));
}

/** Which series of `name` changed between two scrapes, and by how much. */
export function moved(before: Scrape, after: Scrape, name: string): Record<string, number> {
  const a = series(before, name);
  const out: Record<string, number> = {};
  for (const [k, v] of series(after, name)) if (v !== (a.get(k) ?? 0)) out[k] = v - (a.get(k) ?? 0);
  return out;
}

/** The label key `moved` uses. */
export const key = (labels: Record<string, string>) => JSON.stringify(labels);
