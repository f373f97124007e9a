import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { HttpMetrics, httpMetrics } from '../../src/http/metrics.ts';
import Fastify, { LogController } from 'fastify';
import { lazyChildLogger, lazyChildren } from '../../src/http/request-log.ts';

/** The per-request pieces the hot path relies on: queued metrics and lazily built request loggers. */

const sampleValue = (text: string, line: string): number | undefined => {
  const hit = text.split('\n').find((l) => l.startsWith(line + ' '));
  return hit === undefined ? undefined : Number(hit.slice(line.length + 1));
};

describe('HTTP metrics', () => {
  it('a scrape counts every request recorded before it, across queue flushes and label sets', async () => {
    const registry = new Registry();
    const m = httpMetrics(registry);
    expect(httpMetrics(registry)).toBe(m);
    // More than two queues' worth, so some went to prom-client on a full queue and some on the scrape.
    for (let i = 0; i < 1300; i++) m.record('POST', '/v1/releases', 200, 0.002);
    for (let i = 0; i < 7; i++) m.record('POST', '/v1/releases', 403, 0.02);
    m.record('GET', '/v1/members/:id', 404, 0.0004);
    const text = await registry.metrics();
    expect(sampleValue(text, 'consentgate_http_requests_total{method="POST",route="/v1/releases",status="200"}')).toBe(1300);
    expect(sampleValue(text, 'consentgate_http_requests_total{method="POST",route="/v1/releases",status="403"}')).toBe(7);
    expect(sampleValue(text, 'consentgate_http_requests_total{method="GET",route="/v1/members/:id",status="404"}')).toBe(1);
    expect(sampleValue(text, 'consentgate_http_request_duration_seconds_count{method="POST",route="/v1/releases",status="200"}')).toBe(1300);
    // Durations land in their buckets: 2 ms is not ≤ 1 ms but is ≤ 2.5 ms.
    expect(sampleValue(text, 'consentgate_http_request_duration_seconds_bucket{le="0.001",method="POST",route="/v1/releases",status="200"}')).toBe(0);
    expect(sampleValue(text, 'consentgate_http_request_duration_seconds_bucket{le="0.0025",method="POST",route="/v1/releases",status="200"}')).toBe(1300);
    expect(sampleValue(text, 'consentgate_http_request_duration_seconds_sum{method="POST",route="/v1/releases",status="403"}')).toBeCloseTo(0.14, 9);

    // Nothing is counted twice by a second scrape, and later requests are added.
    m.record('POST', '/v1/releases', 200, 0.002);
    const again = await registry.metrics();
    expect(sampleValue(again, 'consentgate_http_requests_total{method="POST",route="/v1/releases",status="200"}')).toBe(1301);
  });

  it('a request with another method, route or status than the one before is counted under its own labels', async () => {
    const registry = new Registry();
    const m = httpMetrics(registry);
    // Each differs from the one before it in one label only, so a remembered label set that
    // compares too little is caught.
    const seq: Array<[string, string, number]> = [
      ['POST', '/v1/releases', 200],
      ['POST', '/v1/releases', 403],
      ['POST', '/v1/releases', 200],
      ['GET', '/v1/releases', 200],
      ['GET', '/v1/keys', 200],
      ['GET', '/v1/keys', 200],
      ['POST', '/v1/keys', 200],
      ['POST', '/v1/releases', 200],
    ];
    for (let r = 0; r < 3; r++) for (const [method, route, status] of seq) m.record(method, route, status, 0.001);
    const text = await registry.metrics();
    const count = (method: string, route: string, status: number) =>
      sampleValue(text, `consentgate_http_requests_total{method="${method}",route="${route}",status="${status}"}`);
    expect(count('POST', '/v1/releases', 200)).toBe(9);
    expect(count('POST', '/v1/releases', 403)).toBe(3);
    expect(count('GET', '/v1/releases', 200)).toBe(3);
    expect(count('GET', '/v1/keys', 200)).toBe(6);
    expect(count('POST', '/v1/keys', 200)).toBe(3);
  });

  it('each registry has its own counts', async () => {
    const a = new HttpMetrics(new Registry());
    const rb = new Registry();
    const b = httpMetrics(rb);
    a.record('GET', '/healthz', 200, 0.001);
    b.record('GET', '/healthz', 200, 0.001);
    b.record('GET', '/healthz', 200, 0.001);
    expect(sampleValue(await rb.metrics(), 'consentgate_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(2);
  });
});

describe('request loggers', () => {
  const capture = () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const root = pino({ level: 'info', redact: { paths: ['key', '*.key'], censor: '[redacted]' } }, stream) as unknown as FastifyBaseLogger;
    return { lines, root };
  };

  it('builds the child only when the request logs, with the request id and the parent redaction', () => {
    const { lines, root } = capture();
    const child = vi.spyOn(root, 'child');
    const log = lazyChildLogger(root, { reqId: 'req-1' }, {});
    expect(child).not.toHaveBeenCalled();
    log.debug('below the level');
    log.error({ key: 'cg_admin_secret', detail: 'x' }, 'request failed');
    log.warn('twice');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ reqId: 'req-1', msg: 'request failed', key: '[redacted]', detail: 'x', level: 50 });
    expect(lines.join('')).not.toContain('cg_admin_secret');
    expect(log.level).toBe('info');
    const grandchild = log.child({ step: 'two' });
    grandchild.info('nested');
    expect(JSON.parse(lines[2]!)).toMatchObject({ reqId: 'req-1', step: 'two', msg: 'nested' });
  });

  it('a route-level level builds the child at once, with that level', () => {
    const { lines, root } = capture();
    const log = lazyChildLogger(root, { reqId: 'req-2' }, { level: 'debug' });
    expect(log.level).toBe('debug');
    log.debug('now visible');
    expect(JSON.parse(lines[0]!)).toMatchObject({ reqId: 'req-2', msg: 'now visible' });
  });

  it('lazyChildren: a child asked with options is built by pino on first use, bound, redacted, and nested', () => {
    const { lines, root } = capture();
    const pinoChild = vi.spyOn(root, 'child');
    lazyChildren(root);
    const log = root.child({ reqId: 'req-3' }, {});
    expect(pinoChild).not.toHaveBeenCalled();
    log.info({ key: 'cg_rec_secret' }, 'first');
    log.info('second');
    expect(pinoChild).toHaveBeenCalledTimes(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ reqId: 'req-3', key: '[redacted]', msg: 'first' });
    expect(lines.join('')).not.toContain('cg_rec_secret');
    const nested = log.child({ step: 'x' }, {});
    nested.warn('nested');
    expect(JSON.parse(lines[2]!)).toMatchObject({ reqId: 'req-3', step: 'x', msg: 'nested', level: 40 });
  });

  it('lazyChildren: without options, or with a level, the child is pino\'s own at once (another Fastify reads its serializers)', () => {
    const { lines, root } = capture();
    const pinoChild = vi.spyOn(root, 'child');
    lazyChildren(root);
    const plain = root.child({ listener: 'metrics' });
    expect(pinoChild).toHaveBeenCalledTimes(1);
    expect(Object.getPrototypeOf(plain)).toBe(root);
    const debug = root.child({ reqId: 'r' }, { level: 'debug' });
    expect(pinoChild).toHaveBeenCalledTimes(2);
    expect(debug.level).toBe('debug');
    debug.debug('shown');
    expect(JSON.parse(lines[0]!)).toMatchObject({ reqId: 'r', msg: 'shown' });
  });

  it('Fastify with its default child factory gives each request a lazy logger: built only when the request logs', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const app = Fastify({ logger: { level: 'info', stream, redact: { paths: ['key'], censor: '[redacted]' } }, logController: new LogController({ disableRequestLogging: true }), genReqId: () => 'req-9' });
    const pinoChild = vi.spyOn(app.log, 'child');
    lazyChildren(app.log);
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/loud', async (request) => {
      request.log.warn({ key: 'secret-key' }, 'handler says');
      return { ok: true };
    });
    await app.ready();
    pinoChild.mockClear();
    expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200);
    expect(pinoChild).not.toHaveBeenCalled();
    expect((await app.inject({ url: '/loud' })).statusCode).toBe(200);
    expect(pinoChild).toHaveBeenCalledTimes(1);
    const line = JSON.parse(lines.find((l) => l.includes('handler says'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ reqId: 'req-9', key: '[redacted]', level: 40 });
    await app.close();
  });
});
