import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forbiddenRange, WebhookAddressPolicy, type Resolver } from '../../src/outbox/address-policy.ts';
import { Dispatcher } from '../../src/outbox/dispatcher.ts';
import { enqueue } from '../../src/outbox/message.ts';
import { validateWebhookUrl, WebhookTransport } from '../../src/outbox/webhook.ts';
import { getOutboxMessage, getWebhookEndpoint, upsertWebhookEndpoint } from '../../src/store/outbox-repo.ts';
import type { Database } from '../../src/store/sql.ts';
import { testApp, type TestApp } from '../http/app-support.ts';
import { engines, openTestDatabase } from '../support/engines.ts';
import { forbiddenV4, forbiddenV6, publicV4, publicV6, urlAround, v4Spelling, v6Spelling } from './address-spellings.ts';
import { fakeRecipient, type FakeRecipient } from './fake-recipient.ts';

/**
 * Issue 17 item 2 (webhook SSRF): PUT /v1/recipients/:id/webhook accepted loopback, metadata,
 * private and otherwise internal addresses in several spellings, and the dispatcher then
 * connected there. Now: literals are refused at registration (422 WEBHOOK_URL_FORBIDDEN, path
 * url), names are checked as they resolve at every delivery on the connection that is used,
 * redirects are never followed, and CONSENTGATE_WEBHOOK_ALLOW names deliberate internal receivers.
 */
const refusedCodes = ['WEBHOOK_URL_FORBIDDEN', 'WEBHOOK_URL_INVALID'];

describe('registration over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp({ rights: { webhookAllow: ['10.20.0.0/16', 'hooks.internal'], sweepMs: 0 } });
  }, 180_000);
  afterAll(() => app?.close());
  const put = (url: string) => app.server.inject({ method: 'PUT', url: '/v1/recipients/paybridge/webhook', headers: app.auth(), payload: { url } });

  it('refuses every address the probe got through, in the spellings it used', async () => {
    for (const url of [
      'https://127.0.0.1:5432/', 'https://169.254.169.254/', 'https://10.1.2.3/', 'https://192.168.1.10/hooks', 'https://[::1]/',
      'https://0.0.0.0/', 'https://2130706433/', 'https://0x7f.0.0.1/', 'https://0177.0.0.1/', 'https://127.1/', 'https://127.0.0.1./',
      'https://[::ffff:127.0.0.1]/', 'https://[::ffff:8.8.8.8]/', 'https://[fe80::1]/', 'https://[fd00::1]/', 'https://[ff02::1]/',
      'https://[64:ff9b::a9fe:a9fe]/', 'https://localhost/', 'https://api.localhost/', 'https://172.31.255.255/', 'https://100.64.0.1/',
    ]) {
      const res = await put(url);
      expect(res.statusCode, `${url} → ${res.body}`).toBe(422);
      expect(res.json(), url).toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN', path: 'url' });
    }
    // A zone id is not a URL at all.
    expect((await put('https://[fe80::1%25eth0]/')).json()).toMatchObject({ status: 422, code: 'WEBHOOK_URL_INVALID', path: 'url' });
  });

  it('accepts public hosts, and internal ones the operator listed', async () => {
    for (const url of ['https://seller.example/hooks', 'https://8.8.8.8/', 'https://[2606:4700::1111]/', 'https://[64:ff9b::808:808]/', 'https://10.20.3.4/', 'https://hooks.internal/h']) {
      const res = await put(url);
      expect(res.statusCode, `${url} → ${res.body}`).toBe(200);
    }
    // Listed networks are exact: a neighbouring private network stays refused.
    expect((await put('https://10.21.0.1/')).json()).toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN' });
  });
});

describe('every spelling of a forbidden address is refused (property)', () => {
  const policy = new WebhookAddressPolicy();
  const refused = (url: string) => {
    try {
      validateWebhookUrl(url, false, policy);
      return undefined;
    } catch (e) {
      return (e as { code: string }).code;
    }
  };

  it('IPv4: decimal, hex, octal, short forms, trailing dots, %-escapes, full-width digits', () => {
    fc.assert(
      fc.property(forbiddenV4.chain((o) => v4Spelling(o).chain(urlAround)), (url) => {
        expect(refusedCodes, url).toContain(refused(url));
      }),
      { numRuns: 3000 },
    );
  });

  it('IPv6: compressed, expanded, padded, upper case, dotted tails, zone ids, embedded IPv4', () => {
    fc.assert(
      fc.property(forbiddenV6.chain((b) => v6Spelling(b).chain(urlAround)), (url) => {
        expect(refusedCodes, url).toContain(refused(url));
      }),
      { numRuns: 3000 },
    );
  });

  it('public addresses in the same spellings are accepted (the check is not "refuse everything")', () => {
    fc.assert(
      fc.property(fc.oneof(publicV4.chain(v4Spelling), publicV6.chain((b) => v6Spelling(b).filter((s) => !s.includes('%25')))).chain(urlAround), (url) => {
        expect(refused(url), url).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('classifies resolved addresses the same way (what delivery checks)', () => {
    fc.assert(
      fc.property(fc.oneof(forbiddenV4, forbiddenV6), (bytes) => {
        expect(forbiddenRange(ipaddr.fromByteArray(bytes))).toBeDefined();
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.oneof(publicV4, publicV6), (bytes) => {
        expect(forbiddenRange(ipaddr.fromByteArray(bytes))).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each(engines())('delivery on %s', (engine) => {
  let db: Database;
  let seller: FakeRecipient;
  let elsewhere: FakeRecipient;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    seller = await fakeRecipient((_r, _n, res) => void res.end());
    elsewhere = await fakeRecipient((_r, _n, res) => void res.end());
  });
  afterAll(async () => {
    await seller?.close();
    await elsewhere?.close();
    await db?.close();
  });

  /** A resolver for made-up names, counting how often each is asked. */
  function resolver(table: Record<string, string[]>) {
    const asked = new Map<string, number>();
    const resolve: Resolver = async (name) => {
      asked.set(name, (asked.get(name) ?? 0) + 1);
      const addresses = table[name];
      if (!addresses) throw Object.assign(new Error(`no such name ${name}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return { resolve, asked };
  }

  async function deliverOnce(url: string, policy: WebhookAddressPolicy) {
    const id = `we_${randomBytes(6).toString('hex')}`;
    await upsertWebhookEndpoint(db, { id, recipientId: id, url, secret: randomBytes(32) }, Date.now());
    const [msg] = await db.transaction((tx) => enqueue(tx, { kind: 'webhook', destination: id, topic: 'deletion.requested', data: { n: 1 }, at: Date.now() }));
    // A failed attempt is retried an hour later, not after the default first backoff (half a second
    // with this `random`): otherwise, on a slow run, a later test's round claimed an earlier test's
    // failed message again and delivered it under that test's policy and resolver (the literal
    // 127.0.0.1 message under an allow-list of 127.0.0.0/8; a second `seller.example` lookup).
    const d = new Dispatcher(db, {
      transports: { webhook: new WebhookTransport({ endpoint: (e) => getWebhookEndpoint(db, e), policy }) },
      random: () => 0.5,
      backoff: { baseMs: 3_600_000, capMs: 3_600_000 },
      attemptTimeoutMs: 10_000,
    });
    const round = await d.runOnce();
    // Each round holds exactly the message this call enqueued: what a test counts is its own delivery's.
    expect(round.claimed).toBe(1);
    return { round, row: (await getOutboxMessage(db, msg!))! };
  }

  const port = (r: FakeRecipient) => new URL(r.url).port;

  it('fails a stored literal URL to an internal address with the reason, without connecting', async () => {
    // Stored before the rule existed: registration would refuse it now.
    const before = seller.received.length;
    const { round, row } = await deliverOnce(seller.url, new WebhookAddressPolicy());
    expect(round).toMatchObject({ claimed: 1, delivered: 0 });
    expect(row.lastError).toMatch(/^forbidden address: 127\.0\.0\.1 is loopback/);
    expect(seller.received.length).toBe(before);
  });

  it('checks a name as it resolves: an internal answer fails the delivery and nothing connects', async () => {
    const before = seller.received.length;
    for (const answer of [['127.0.0.1'], ['8.8.8.8', '127.0.0.1'], ['::ffff:127.0.0.1'], ['169.254.169.254']]) {
      const dns = resolver({ 'seller.example': answer });
      const { row } = await deliverOnce(`http://seller.example:${port(seller)}/hooks`, new WebhookAddressPolicy({ resolver: dns.resolve }));
      expect(row.lastError, answer.join(',')).toMatch(/^forbidden address: seller\.example resolves to /);
      expect(dns.asked.get('seller.example')).toBe(1);
    }
    expect(seller.received.length).toBe(before);
  });

  it('connects to the address it checked: one resolution per delivery, nothing to rebind', async () => {
    const before = seller.received.length;
    const dns = resolver({ 'hooks.internal': ['127.0.0.1'] });
    const { round } = await deliverOnce(`http://hooks.internal:${port(seller)}/hooks`, new WebhookAddressPolicy({ allow: ['127.0.0.0/8'], resolver: dns.resolve }));
    expect(round.delivered).toBe(1);
    expect(seller.received.length).toBe(before + 1);
    // The socket connected with the addresses of this one lookup; there was no second one to swap.
    expect(dns.asked.get('hooks.internal')).toBe(1);
  });

  it('allows an internal receiver the operator listed by name', async () => {
    const dns = resolver({ 'hooks.internal': ['127.0.0.1'] });
    const { round } = await deliverOnce(`http://hooks.internal:${port(seller)}/hooks`, new WebhookAddressPolicy({ allow: ['hooks.internal'], resolver: dns.resolve }));
    expect(round.delivered).toBe(1);
  });

  it('never follows a redirect, wherever it points', async () => {
    const redirecting = await fakeRecipient((_r, _n, res) => {
      res.statusCode = 302;
      res.setHeader('location', elsewhere.url);
      res.end();
    });
    try {
      // Even to an allowed address: a redirect is a failed attempt.
      const { row } = await deliverOnce(redirecting.url, new WebhookAddressPolicy({ allow: ['127.0.0.1'] }));
      expect(row).toMatchObject({ lastStatus: 302 });
      expect(row.lastError).toMatch(/redirects are not followed/);
      expect(redirecting.received).toHaveLength(1);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await redirecting.close();
    }
  });
});

describe('CONSENTGATE_WEBHOOK_ALLOW', () => {
  it('takes host names, addresses and CIDR networks, and refuses anything else at start', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    expect(loadConfig({ CONSENTGATE_WEBHOOK_ALLOW: 'hooks.internal, 10.0.0.0/8 fd00::/8,[::1],127.0.0.1' }).rights?.webhookAllow).toEqual([
      'hooks.internal', '10.0.0.0/8', 'fd00::/8', '[::1]', '127.0.0.1',
    ]);
    expect(() => loadConfig({ CONSENTGATE_WEBHOOK_ALLOW: '10.0.0.0/99' })).toThrow(/CONSENTGATE_WEBHOOK_ALLOW/);
    expect(() => loadConfig({ CONSENTGATE_WEBHOOK_ALLOW: 'http://x/' })).toThrow(/CONSENTGATE_WEBHOOK_ALLOW/);
  });
});
