import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { decide } from '../../src/core/gate/decide.ts';
import { RegistryModel } from '../../src/core/registry/model.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { active, context, DAY, FakeConsents } from '../gate/fakes.ts';

/**
 * Issue 16's loophole: the AliExpress example with an operator privacy policy and the sellers'
 * provision and transfer both on "contract necessity". The product exists to refuse it.
 */
const LOOPHOLE = fileURLToPath(new URL('../../examples/aliexpress-case/registry-loophole.yaml', import.meta.url));
const ALIEXPRESS = fileURLToPath(new URL('../../examples/aliexpress-case/registry.yaml', import.meta.url));

async function check(path: string) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', 'check', path, '--format', 'json'], io);
  return { code, report: JSON.parse(io.stdout()) as { status: string; findings: Array<{ code: string; path: string; articles: string[] }> } };
}

/** The registry as if it had been activated: built directly, so the activation lint is bypassed. */
function forcedActive(path: string): RegistryModel {
  return new RegistryModel(parseRegistry(readFileSync(path)).registry);
}

const T0 = Date.parse('2026-03-01T00:00:00Z');

function releaseToSeller(registry: RegistryModel, explain = false) {
  // The customer consented to everything there is to consent to, and ordered from this seller;
  // the release must still be refused.
  const consents = new FakeConsents().consent('kr-cust', 'sellers_fulfilment', active(['name', 'phone', 'address', 'customs_code']), 'seller-cn-1');
  const agreementVersion = registry.parties.get('overseas_sellers')?.agreement?.version;
  const ctx = context(registry, consents, { 'seller-cn-1': { classId: 'overseas_sellers', country: 'CN', ...(agreementVersion ? { agreementVersion } : {}) } }, {
    'kr-cust': { jurisdiction: 'KR', erased: false, collectedAt: T0 - DAY },
  }, { orders: { 'order-1': { subject: 'kr-cust', recipient: 'seller-cn-1', declarations: ['sellers_fulfilment'] } } });
  return decide({ recipientId: 'seller-cn-1', subject: 'kr-cust', purpose: 'order_fulfilment', at: T0, orderRef: 'order-1' }, ctx, { explain });
}

describe('the AliExpress loophole', () => {
  it('consentgate check reports errors citing PIPA 17(1) and PIPA 28-8(1)', async () => {
    const { code, report } = await check(LOOPHOLE);
    expect(code).toBe(1);
    expect(report.status).toBe('findings');
    expect(report.findings.map((f) => [f.code, f.path, f.articles])).toEqual([
      ['OVERSEAS_AGREEMENT_MISSING', 'recipient_classes[0].agreement', ['PIPA 28-8(4)']],
      ['THIRD_PARTY_NO_BASIS', 'declarations[0].legal_basis', ['PIPA 17(1)']],
      ['OVERSEAS_NO_GROUND', 'declarations[0].transfer.ground', ['PIPA 28-8(1)']],
    ]);
  });

  it('forced active, the gate refuses a Korean customer’s data to a seller in China: NO_LEGAL_BASIS, PIPA 17(1)', () => {
    const d = releaseToSeller(forcedActive(LOOPHOLE));
    expect(d).toMatchObject({ allow: false, code: 'NO_LEGAL_BASIS', article: 'PIPA 17(1)', declarationId: 'sellers_fulfilment' });
    // Explained, the trace also shows the transfer ground failing: 28-8(1)3 is not for sellers.
    const e = releaseToSeller(forcedActive(LOOPHOLE), true);
    expect(e.allow).toBe(false);
    const failed = e.trace.filter((s) => !s.ok).map((s) => [s.check, s.article]);
    expect(failed).toEqual([
      ['basis', 'PIPA 17(1)'],
      ['transfer', 'PIPA 28-8(1)3'],
    ]);
  });

  it('the AliExpress example itself, forced active, is refused the same way', async () => {
    const { report } = await check(ALIEXPRESS);
    expect(report.findings.map((f) => f.code)).toEqual(['OVERSEAS_AGREEMENT_MISSING', 'THIRD_PARTY_NO_BASIS', 'OVERSEAS_NO_GROUND']);
    expect(releaseToSeller(forcedActive(ALIEXPRESS))).toMatchObject({ allow: false, code: 'NO_LEGAL_BASIS' });
  });
});
