// Types only: demo-seed.ts imports this module, so a value import back would be a cycle.
import type { DemoStep } from './demo-seed.ts';

/**
 * Demo step of orders (PIPA 17(2)1, 18): the demo customers' orders with the demo sellers. Kim
 * Minji and Lee Junho ordered from Shenzhen Bright Gadgets; Park Seoyeon from Guangzhou Silk Road
 * Apparel only — so Shenzhen Bright Gadgets gets NO_ORDER for her, whatever her consents.
 */
export const DEMO_ORDERS = [
  { id: 'A-1001', subject: 'cust-kim-minji', recipient: 'seller-sz-gadgets' },
  { id: 'A-1002', subject: 'cust-lee-junho', recipient: 'seller-sz-gadgets' },
  { id: 'A-1003', subject: 'cust-park-seoyeon', recipient: 'seller-gz-apparel' },
] as const;

export const ordersDemoStep: DemoStep = async (ctx) => {
  for (const o of DEMO_ORDERS) {
    // Idempotent on the id: a seed retried after a failure registers nothing twice.
    await ctx.orders.register({ ...o, declarations: ['sellers_fulfilment'] }, 'system');
  }
};
