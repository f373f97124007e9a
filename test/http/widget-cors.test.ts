import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOrigins } from '../../src/http/widget-cors.ts';
import { testApp, type TestApp } from './app-support.ts';

const SHOP = 'https://shop.example';

describe('CORS for the embedded consent widget', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp({ widgetOrigins: parseOrigins(`${SHOP}, http://localhost:3000`) });
  });
  afterAll(async () => {
    await app?.close();
  });

  const preflight = (origin: string, method: string, url: string) =>
    app.server.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });

  it('answers the preflight of a listed origin for the widget’s endpoints, before authentication', async () => {
    const res = await preflight(SHOP, 'POST', '/v1/subjects/cust-1/consents');
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(String(res.headers['access-control-allow-headers'])).toContain('authorization');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('exposes the notice to a listed origin, and to no other', async () => {
    const ok = await app.server.inject({ method: 'GET', url: '/v1/notices/checkout?lang=en', headers: { origin: SHOP } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(SHOP);
    const other = await app.server.inject({ method: 'GET', url: '/v1/notices/checkout?lang=en', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight('https://evil.example', 'POST', '/v1/subjects/cust-1/consents')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps every other endpoint same-origin, even for a listed origin', async () => {
    expect((await preflight(SHOP, 'POST', '/v1/releases')).statusCode).not.toBe(204);
    const reg = await app.server.inject({ method: 'GET', url: '/v1/registry', headers: { ...app.auth(), origin: SHOP } });
    expect(reg.headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight(SHOP, 'DELETE', '/v1/subjects/cust-1/consents')).statusCode).not.toBe(204);
  });

  it('refuses an origin list that is not made of origins', () => {
    expect(() => parseOrigins('https://shop.example/path')).toThrow(/not an origin/);
    expect(() => parseOrigins('*')).toThrow(/not an origin/);
    expect([...parseOrigins(' https://A.example ,')]).toEqual(['https://a.example']);
  });
});
