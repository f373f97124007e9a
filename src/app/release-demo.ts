import { grantRequestSchema } from '../core/consent/request.ts';
// Types only: demo-seed.ts imports this module, so a value import back would be a cycle.
import type { DEMO_CUSTOMERS, DemoStep } from './demo-seed.ts';

/**
 * Demo step of the release gate: the demo customers' (obviously fake) personal data in the vault,
 * and, for the first two, consent at checkout to their order going to its seller abroad — on the
 * notice naming that seller (PIPA 17(2)1), scoped to it, with the provision consent and the
 * separate overseas-transfer consent as two choices (PIPA 22(1), 28-8(1)1) — so the demo seller's
 * key gets a release for them and a NO_CONSENT refusal for the third, and any other seller none.
 */
export const DEMO_CUSTOMER_DATA: Record<(typeof DEMO_CUSTOMERS)[number], Record<string, string>> = {
  'cust-kim-minji': {
    name: '김민지',
    phone: '010-0000-1234',
    email: 'minji.kim@customer.example',
    address: '서울특별시 종로구 예시로 1길 23, 101동 1001호',
    customs_code: 'P000000000001',
  },
  'cust-lee-junho': {
    name: '이준호',
    phone: '010-0000-5678',
    email: 'junho.lee@customer.example',
    address: '부산광역시 해운대구 샘플대로 45, 202호',
    customs_code: 'P000000000002',
  },
  'cust-park-seoyeon': {
    name: '박서연',
    phone: '010-0000-9012',
    email: 'seoyeon.park@customer.example',
    address: '대구광역시 중구 데모길 67',
    customs_code: 'P000000000003',
  },
};

const CONSENTING: ReadonlySet<string> = new Set(['cust-kim-minji', 'cust-lee-junho']);
/** The seller of the demo customers' orders. */
export const DEMO_ORDER_SELLER = 'seller-sz-gadgets';

export const releaseDemoStep: DemoStep = async (ctx) => {
  const notice = await ctx.consents.notice('checkout', DEMO_ORDER_SELLER);
  for (const id of Object.keys(DEMO_CUSTOMER_DATA) as Array<keyof typeof DEMO_CUSTOMER_DATA>) {
    if (!ctx.subjects.record(id) && !(await ctx.subjects.reload(id))) {
      await ctx.subjects.create({ id, jurisdiction: 'KR', issueToken: false }, 'system');
    }
    await ctx.vault.put(id, DEMO_CUSTOMER_DATA[id], Date.now());
    if (CONSENTING.has(id)) {
      const req = grantRequestSchema.parse({
        noticeHash: notice.hash,
        channel: 'web',
        decisions: [
          { declarationId: 'sellers_fulfilment', grant: true, recipientId: DEMO_ORDER_SELLER, eventId: `demo-${id}-sellers` },
          { declarationId: 'sellers_fulfilment:transfer', grant: true, recipientId: DEMO_ORDER_SELLER, eventId: `demo-${id}-sellers-transfer` },
        ],
      });
      await ctx.consents.grant(id, req, { caller: 'subject' });
    }
  }
};
