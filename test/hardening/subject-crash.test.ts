import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create.ts';
import { testConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/store/open.ts';
import { POSTGRES_URL, engines } from '../support/engines.ts';

/**
 * Issue 17 item 12: POST /v1/subjects commits the subject, then its token key in a second
 * transaction. A process SIGKILLed between the two left a subject without a token, and every
 * retry answered 409 SUBJECT_EXISTS. Now the identical retry completes the create (201 with a
 * working token); any other create of that id stays 409, and a completed one is not completed twice.
 */
const CHILD = new URL('./subject-crash-child.ts', import.meta.url).pathname;
const ADMIN = `cg_admin_${'b1c2d3e4f5a60718'}_${randomBytes(32).toString('base64url')}`;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the child until its create sits between the two transactions, then SIGKILLs it. */
function killBetween(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CG_TEST_ADMIN_KEY: ADMIN } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('between\n')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && out.includes('between')) resolve();
      else reject(new Error(`child exited ${code} ${signal} before the kill point: ${out} ${err.slice(0, 2000)}`));
    });
  });
}

describe.each(engines())('subject create killed between its two transactions (%s)', (engine) => {
  it('the identical retry completes it with a working token; other creates stay 409', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-subject-crash-'));
    dirs.push(dir);
    const schema = `cg_t_sc_${process.pid}_${randomBytes(3).toString('hex')}`;
    const where = engine === 'postgres' ? [dir, 'postgres', POSTGRES_URL, schema] : [dir];
    await killBetween(where);

    const app = await createApp(testConfig({ dataDir: dir, ...(engine === 'postgres' ? { databaseUrl: POSTGRES_URL, schema } : {}), adminKey: ADMIN }));
    try {
      const post = (body: Record<string, unknown>) =>
        app.server.inject({ method: 'POST', url: '/v1/subjects', headers: { authorization: `Bearer ${ADMIN}` }, payload: body });
      // The crash left exactly this: the subject, and no key for it.
      expect(await app.ctx.subjects.require('cust-crash')).toMatchObject({ jurisdiction: 'KR', birthDate: '1990-04-01' });
      expect(await app.ctx.keys.list({ kind: 'subject', principal: 'cust-crash', includeRevoked: true })).toEqual([]);

      // A create that is not the same request does not complete it.
      expect((await post({ id: 'cust-crash', jurisdiction: 'EU', birthDate: '1990-04-01' })).json()).toMatchObject({ status: 409, code: 'SUBJECT_EXISTS', path: 'id' });
      expect((await post({ id: 'cust-crash', jurisdiction: 'KR', birthDate: '1990-04-01', issueToken: false })).json()).toMatchObject({ status: 409, code: 'SUBJECT_EXISTS' });

      const retry = await post({ id: 'cust-crash', jurisdiction: 'KR', birthDate: '1990-04-01' });
      expect(retry.statusCode, retry.body).toBe(201);
      const { token, pseudonym } = retry.json() as { token: string; pseudonym: string };
      expect(pseudonym).toBe(app.ctx.subjects.pseudonymOf('cust-crash'));
      // The token works, for this subject.
      const own = await app.server.inject({ method: 'GET', url: '/v1/subjects/cust-crash/consents', headers: { authorization: `Bearer ${token}` } });
      expect(own.statusCode, own.body).toBe(200);

      // Completed once: the next identical create is an ordinary duplicate.
      expect((await post({ id: 'cust-crash', jurisdiction: 'KR', birthDate: '1990-04-01' })).json()).toMatchObject({ status: 409, code: 'SUBJECT_EXISTS' });
      expect(await app.ctx.keys.list({ kind: 'subject', principal: 'cust-crash', includeRevoked: true })).toHaveLength(1);

      // Subjects created whole are never "completed": one token each, then 409.
      const whole = await post({ id: 'cust-whole', jurisdiction: 'EU' });
      expect(whole.statusCode).toBe(201);
      expect((await post({ id: 'cust-whole', jurisdiction: 'EU' })).statusCode).toBe(409);
      expect(await app.ctx.keys.list({ kind: 'subject', principal: 'cust-whole', includeRevoked: true })).toHaveLength(1);
    } finally {
      await app.close();
      if (engine === 'postgres') {
        const db = await openDatabase({ databaseUrl: POSTGRES_URL, schema });
        await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
        await db.close();
      }
    }
  }, 240_000);
});
