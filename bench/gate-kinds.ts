import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { round } from './lib.ts';

/**
 * The committed gate bench's pattern (500 Cedar calls, then 500 timed decisions), p50 per kind of
 * decision — allows by caller (seller, registry recipient) and denies by code — with each kind's
 * share of the requests, to see which part of the mix holds the overall p50 where it is:
 *
 *   node --max-semi-space-size=64 --import tsx bench/gate-kinds.ts [tree] [passes]
 *
 * Not part of `npm run bench`.
 */
const tree = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const PASSES = Number(process.argv[3] ?? 1);
const url = (p: string) => pathToFileURL(`${tree}/${p}`).href;
const { decide } = (await import(url('src/core/gate/decide.ts'))) as { decide: (r: unknown, ctx: unknown) => { allow: boolean; code?: string } };
const gate = await import(url('bench/gate.ts'));
const { registry, world, reqs, ctx } = gate.benchSample();
const pre = cedar.preparsePolicySet('statutory', { staticPolicies: gate.statutoryPolicies(registry) });
if (pre.type !== 'success') throw new Error('statutory Cedar policies do not parse');
const entities = gate.cedarEntities(registry, world);
const calls = (reqs as unknown[]).map((r) => gate.cedarCall(r, entities));
for (let i = 0; i < 200_000; i++) decide(reqs[i % reqs.length], ctx);
for (let i = 0; i < 2_000; i++) cedar.statefulIsAuthorized(calls[i]!);
type D = { allow: boolean; code?: string; retentionEndsAt?: number; transferConsentEventId?: string; items?: unknown[] };
const detail = process.env.DETAIL === '1';
const kindOf = (r: { recipientId: string; subject: string }, d: D) => {
  if (!detail) return d.allow ? (r.recipientId.startsWith('seller_') ? 'allow seller' : `allow ${r.recipientId}`) : `deny ${d.code}`;
  if (!r.recipientId.startsWith('seller_')) return 'not a seller';
  const s = (ctx as { subjects: { get(s: string): { jurisdiction: string } | undefined } }).subjects.get(r.subject);
  const m = (ctx as { members: { get(s: string): { country: string } | undefined } }).members.get(r.recipientId);
  return `${d.allow ? 'allow' : `deny ${d.code}`} ${s?.jurisdiction ?? '?'} ${m?.country ?? '?'}${d.allow ? ` end:${d.retentionEndsAt !== undefined} tc:${d.transferConsentEventId !== undefined}` : ''}`;
};
const kinds = (reqs as Array<{ recipientId: string; subject: string }>).map((r) => kindOf(r, decide(r, ctx) as D));
const lat = new Float64Array(reqs.length);
const all: number[] = [];
const by = new Map<string, number[]>();
for (let pass = 0; pass < PASSES; pass++) {
  for (let s = 0; s + 500 <= reqs.length; s += 500) {
    for (let i = s; i < s + 500; i++) cedar.statefulIsAuthorized(calls[i]!);
    for (let i = s; i < s + 500; i++) {
      const t0 = process.hrtime.bigint();
      decide(reqs[i], ctx);
      lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
  }
  for (let i = 0; i < reqs.length; i++) {
    all.push(lat[i]!);
    const k = kinds[i]!;
    if (!by.has(k)) by.set(k, []);
    by.get(k)!.push(lat[i]!);
  }
}
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const total = p50(all);
console.log(`all: p50 ${round(total, 3)} µs; load ${loadavg().map((x) => round(x, 2)).join(' ')}`);
for (const [k, xs] of [...by].sort((a, b) => b[1].length - a[1].length)) {
  const below = xs.filter((x) => x <= total).length;
  console.log(`${k.padEnd(32)} ${String(round((100 * xs.length) / all.length, 1)).padStart(5)}%  p50 ${round(p50(xs), 3)}  at or below the overall p50: ${round((100 * below) / xs.length, 0)}%`);
}
