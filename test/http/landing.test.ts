import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landingPage } from '../../src/http/routes/landing.ts';
import { pageCsp } from '../../src/http/web-assets.ts';
import { testApp, type TestApp } from './app-support.ts';

/** Issue 18 item 5: the first URL a new user opens is a page, not a 404 problem. */
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!).filter((h) => h.startsWith('/'));

describe.each([true, false])('GET / with the demo %s', (demo) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await testApp({ demo });
  }, 60_000);
  afterAll(() => app?.close());

  it('is an HTML page with its own CSP and the headers every page carries', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(pageCsp(res.body));
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    expect(res.body).not.toContain('<!--');
  });

  it(`links the console, the privacy centre, the API docs${demo ? ' and the demo checkout' : ', and not the demo'}`, async () => {
    const body = (await app.server.inject({ method: 'GET', url: '/' })).body;
    const links = hrefs(body);
    for (const l of ['/console/', '/privacy/', '/docs', '/openapi.json']) expect(links).toContain(l);
    expect(links.includes('/demo/checkout.html')).toBe(demo);
  });

  it('every link on it leads somewhere', async () => {
    const body = (await app.server.inject({ method: 'GET', url: '/' })).body;
    for (const href of hrefs(body)) {
      const res = await app.server.inject({ method: 'GET', url: href });
      expect([200, 301, 302], href).toContain(res.statusCode);
    }
  });

  it('answers a repeat visit with 304, and HEAD without a body', async () => {
    const first = await app.server.inject({ method: 'GET', url: '/' });
    const again = await app.server.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const head = await app.server.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('landingPage', () => {
  const html = '<ul>\n  <li>a</li>\n  <!-- demo -->\n  <li>demo</li>\n  <!-- /demo -->\n  <li>b</li>\n</ul>\n';
  it('keeps the demo block without its markers when the demo is on, drops it when off', () => {
    expect(landingPage(html, true)).toBe('<ul>\n  <li>a</li>\n  <li>demo</li>\n  <li>b</li>\n</ul>\n');
    expect(landingPage(html, false)).toBe('<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n');
  });
});
