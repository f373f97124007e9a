import { MarkersRepo } from '../store/markers-repo.ts';
import type { AppContext } from './context.ts';
import { releaseDemoStep } from './release-demo.ts';
import { ordersDemoStep } from './orders-demo.ts';

/**
 * Demo data for `npm start`: sellers registered under `cn_sellers` with recipient keys, and
 * customers (subject ids) with subject keys. Seeded once per database. Other features append a
 * step to `demoSteps` (consents, orders, …) — each receives what the earlier steps created.
 */
export const DEMO_SELLERS = [
  { id: 'seller-sz-gadgets', name: 'Shenzhen Bright Gadgets Co.', country: 'CN' },
  { id: 'seller-gz-apparel', name: 'Guangzhou Silk Road Apparel', country: 'CN' },
  { id: 'seller-hk-beauty', name: 'Kowloon Beauty Supply Ltd.', country: 'HK' },
] as const;

export const DEMO_CUSTOMERS = ['cust-kim-minji', 'cust-lee-junho', 'cust-park-seoyeon'] as const;

export interface DemoData {
  /** id → recipient API key (shown on the first start only). */
  readonly sellerKeys: Record<string, string>;
  /** subject id → subject API key. */
  readonly customerKeys: Record<string, string>;
}

export type DemoStep = (ctx: AppContext, demo: DemoData) => Promise<void>;

/** ═══ Other features: add your demo step here. ═══ */
export const demoSteps: DemoStep[] = [releaseDemoStep, ordersDemoStep];

/** Returns the demo keys when this call seeded, undefined when the database was seeded before. */
export async function seedDemo(ctx: AppContext): Promise<DemoData | undefined> {
  const markers = new MarkersRepo(ctx.db);
  if (await markers.get('demo_seeded')) return undefined;
  const sellerKeys: Record<string, string> = {};
  // Every demo seller accepted the class's current agreement (PIPA 28-8(4)).
  const agreementVersion = ctx.registry.model?.parties.get('cn_sellers')?.agreement?.version;
  for (const s of DEMO_SELLERS) {
    if (!ctx.members.get(s.id)) {
      await ctx.members.register(
        { id: s.id, classId: 'cn_sellers', name: s.name, country: s.country, contact: { email: `${s.id}@sellers.example` }, agreementVersion },
        'system',
      );
    }
    sellerKeys[s.id] = (await ctx.members.issueKey(s.id, 'system', { label: 'demo' })).key;
  }
  const customerKeys: Record<string, string> = {};
  for (const c of DEMO_CUSTOMERS) {
    customerKeys[c] = (await ctx.keys.create({ kind: 'subject', principal: c, scopes: ['subject'], label: 'demo', actor: 'system' })).key;
  }
  const demo: DemoData = { sellerKeys, customerKeys };
  for (const step of demoSteps) await step(ctx, demo);
  // Marked only when every step succeeded, so a failed seed is retried on the next start.
  await markers.claim('demo_seeded', new Date().toISOString());
  return demo;
}
