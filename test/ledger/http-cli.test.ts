import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/create.ts';
import { testConfig } from '../../src/config.ts';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../../src/cli/io.ts';
import { decodeProof, leafHash, parseVerifierKey, verifyCheckpoint, verifyConsistency, verifyInclusion, generateSigner } from '../../src/ledger/index.ts';
import { waitFor } from '../support/wait.ts';

const KIND = 'test.ledger';
let app: App;
let base: string;
let dir: string;
let n = 0;

async function appendMany(count: number, tag = 'a') {
  const out: number[] = [];
  for (const r of await Promise.all(Array.from({ length: count }, () => app.ctx.journal.append(KIND, {}, { tag, n: n++, subject: `sp_${n % 4}` })))) out.push(r.leafIndex);
  return out;
}

async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const get = (url: string, headers: Record<string, string> = {}) => app.server.inject({ method: 'GET', url, headers });
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cg-ledger-'));
  app = await createApp(testConfig({ ledger: { origin: 'test.consentgate.example/log', checkpointEvery: 10, checkpointIntervalMs: 60_000 } }));
  app.ctx.journal.register(KIND, async () => {});
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
});

describe('ledger HTTP API', () => {
  it('serves keys, checkpoints, entries with proofs and consistency proofs that verify offline', async () => {
    await appendMany(23);
    const keys = (await get('/v1/ledger/keys')).json();
    expect(keys.origin).toBe('test.consentgate.example/log');
    const key = parseVerifierKey(keys.verifier);

    const text = await get('/v1/ledger/checkpoint');
    expect(text.statusCode).toBe(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    const cp = verifyCheckpoint(text.body, key);
    expect(cp.size).toBeGreaterThanOrEqual(20); // every 10 entries (or on demand)
    const json = (await get('/v1/ledger/checkpoint', { accept: 'application/json' })).json();
    expect(json).toMatchObject({ origin: cp.origin, size: cp.size, note: text.body });

    const e = (await get('/v1/ledger/entries/7')).json();
    expect(e.index).toBe(7);
    const note = verifyCheckpoint(e.checkpoint, key);
    expect(e.tree_size).toBe(note.size);
    const entry = Buffer.from(e.entry_base64, 'base64');
    expect(e.entry).toBe(entry.toString('utf8'));
    expect(JSON.parse(e.entry)).toMatchObject({ kind: KIND, tag: 'a' });
    expect(verifyInclusion(leafHash(entry), 7, note.size, decodeProof(e.proof), note.root)).toBe(true);

    // An entry newer than every checkpoint gets a fresh checkpoint on the spot.
    const [last] = await appendMany(1);
    const fresh = (await get(`/v1/ledger/entries/${last}`)).json();
    const freshCp = verifyCheckpoint(fresh.checkpoint, key);
    expect(freshCp.size).toBe(last! + 1);
    expect(verifyInclusion(leafHash(Buffer.from(fresh.entry_base64, 'base64')), last!, freshCp.size, decodeProof(fresh.proof), freshCp.root)).toBe(true);

    const c = (await get(`/v1/ledger/consistency?from=${cp.size}&to=${freshCp.size}`)).json();
    expect(c.from_checkpoint).toBe(cp.note);
    expect(verifyConsistency(cp.size, freshCp.size, cp.root, freshCp.root, decodeProof(c.proof))).toBe(true);

    const list = (await get('/v1/ledger/checkpoints')).json();
    expect(list.checkpoints[0].size).toBe(freshCp.size);
    const sizes = list.checkpoints.map((x: { size: number }) => x.size);
    expect([...sizes].sort((a: number, b: number) => b - a)).toEqual(sizes);
    expect((await get(`/v1/ledger/checkpoints?size=${cp.size}`)).json().checkpoints[0].note).toBe(cp.note);

    // Explicit tree size: the proof is for that size (no checkpoint unless one was issued there).
    const at = (await get('/v1/ledger/entries/3?treeSize=9')).json();
    expect(at.tree_size).toBe(9);
    expect(verifyInclusion(leafHash(Buffer.from(at.entry_base64, 'base64')), 3, 9, decodeProof(at.proof), Buffer.from(at.root, 'base64'))).toBe(true);
  });

  it('documents every ledger route in the OpenAPI document', async () => {
    const doc = (await get('/openapi.json')).json();
    for (const p of ['/v1/ledger/checkpoint', '/v1/ledger/checkpoints', '/v1/ledger/entries/{index}', '/v1/ledger/consistency', '/v1/ledger/keys', '/v1/subjects/{id}/ledger']) {
      expect(doc.paths[p]?.get, p).toBeDefined();
    }
  });

  it('refuses impossible requests with problem codes', async () => {
    const cases: Array<[string, number, string]> = [
      ['/v1/ledger/entries/999999', 404, 'INDEX_OUT_OF_RANGE'],
      ['/v1/ledger/entries/5?treeSize=5', 400, 'BAD_RANGE'],
      ['/v1/ledger/entries/5?treeSize=999999', 400, 'BAD_RANGE'],
      ['/v1/ledger/consistency?from=10&to=5', 400, 'BAD_RANGE'],
      ['/v1/ledger/consistency?from=1&to=999999', 400, 'BAD_RANGE'],
      ['/v1/ledger/checkpoints?size=4242', 404, 'CHECKPOINT_NOT_FOUND'],
      ['/v1/ledger/entries/-1', 400, 'VALIDATION_FAILED'],
      ['/v1/ledger/entries/abc', 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, status, code] of cases) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(status);
      expect(r.json().code, url).toBe(code);
    }
  });
});

describe('GET /v1/subjects/:id/ledger', () => {
  it("serves every entry about the subject, each proven against one checkpoint, to that subject's key only", async () => {
    const a = await app.ctx.subjects.create({ id: 'ledger-cust-a', jurisdiction: 'KR', issueToken: true }, 'test');
    const b = await app.ctx.subjects.create({ id: 'ledger-cust-b', jurisdiction: 'EU', issueToken: true }, 'test');
    const mine = await Promise.all(Array.from({ length: 3 }, (_, i) => app.ctx.journal.append(KIND, {}, { subject: a.subject.pseudonym, i })));
    await app.ctx.journal.append(KIND, {}, { subject: b.subject.pseudonym });
    const r = await get('/v1/subjects/ledger-cust-a/ledger', { authorization: `Bearer ${a.token}` });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.subject.pseudonym).toBe(a.subject.pseudonym);
    const key = parseVerifierKey((await get('/v1/ledger/keys')).json().verifier);
    const cp = verifyCheckpoint(body.checkpoint, key);
    const indexes = body.entries.map((e: { index: number }) => e.index);
    // The subject.create admin action (target = pseudonym) and the three entries, nothing of b's.
    expect(indexes).toEqual(expect.arrayContaining(mine.map((m) => m.leafIndex)));
    expect(body.entries.length).toBe(4);
    for (const e of body.entries) {
      expect(e.entry).toContain(a.subject.pseudonym);
      expect(verifyInclusion(leafHash(Buffer.from(e.entry_base64, 'base64')), e.index, cp.size, decodeProof(e.proof), cp.root)).toBe(true);
    }
    const page = (await get('/v1/subjects/ledger-cust-a/ledger?limit=2', { authorization: `Bearer ${a.token}` })).json();
    expect(page.entries.map((e: { index: number }) => e.index)).toEqual(indexes.slice(0, 2));
    expect(page.next_after).toBe(indexes[1]);
    expect((await get('/v1/subjects/ledger-cust-a/ledger', { authorization: `Bearer ${b.token}` })).json().code).toBe('FORBIDDEN_SUBJECT');
    expect((await get('/v1/subjects/ledger-cust-a/ledger')).statusCode).toBe(401);
  });
});

describe('consentgate ledger verify (offline, from files)', () => {
  it('verifies a saved entry response, and fails (exit 1) on a tampered entry, proof or key', async () => {
    const key = (await get('/v1/ledger/keys')).json().verifier as string;
    const e = (await get('/v1/ledger/entries/4')).json();
    const proofFile = file('e4.json', JSON.stringify(e));
    const cpFile = file('cp.txt', e.checkpoint);
    const entryFile = file('e4.entry', e.entry);

    const ok = await cli('ledger', 'verify', '--checkpoint', cpFile, '--key', key, '--entry', entryFile, '--index', '4', '--proof', proofFile);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('✓ entry 4 is in the log');
    // The response file alone carries checkpoint, entry and index.
    expect((await cli('ledger', 'verify', '--key', key, '--proof', proofFile)).code).toBe(0);

    const tamperedEntry = file('bad.entry', e.entry.replace('"tag":"a"', '"tag":"b"'));
    const bad1 = await cli('ledger', 'verify', '--checkpoint', cpFile, '--key', key, '--entry', tamperedEntry, '--index', '4', '--proof', proofFile);
    expect(bad1.code).toBe(1);
    expect(bad1.err).toContain('NOT in the log');
    expect((await cli('ledger', 'verify', '--checkpoint', cpFile, '--key', key, '--entry', entryFile, '--index', '5', '--proof', proofFile)).code).toBe(1);
    const flipped = { ...e, proof: [...e.proof] };
    const h = Buffer.from(flipped.proof[0], 'base64');
    h[0]! ^= 1;
    flipped.proof[0] = h.toString('base64');
    expect((await cli('ledger', 'verify', '--key', key, '--proof', file('flip.json', JSON.stringify(flipped)))).code).toBe(1);

    const other = generateSigner('test.consentgate.example/log').text;
    const wrongKey = await cli('ledger', 'verify', '--checkpoint', cpFile, '--key', other);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toContain('UNKNOWN_SIGNER');
    const editedCp = await cli('ledger', 'verify', '--checkpoint', file('edited.txt', e.checkpoint.replace(/\n\d+\n/, '\n1\n')), '--key', key);
    expect(editedCp.code).toBe(1);

    // Malformed input is exit 2, never a crash and never "verified".
    expect((await cli('ledger', 'verify', '--checkpoint', file('junk.txt', 'hello'), '--key', key)).code).toBe(2);
    expect((await cli('ledger', 'verify', '--checkpoint', cpFile, '--key', 'not-a-key')).code).toBe(2);
    expect((await cli('ledger', 'verify', '--key', key, '--proof', file('notjson.json', '{'))).code).toBe(2);
    expect((await cli('ledger', 'verify', '--checkpoint', join(dir, 'missing.txt'), '--key', key)).code).toBe(2);
    const truncated = { ...e, proof: e.proof.slice(0, -1) };
    expect((await cli('ledger', 'verify', '--key', key, '--proof', file('trunc.json', JSON.stringify(truncated)))).code).toBe(1);
  });

  it('verifies consistency between two saved checkpoints', async () => {
    const key = (await get('/v1/ledger/keys')).json().verifier as string;
    const old = (await get('/v1/ledger/checkpoint')).body;
    await appendMany(5);
    const latest = await app.ctx.ledger.checkpoint();
    const oldSize = Number(old.split('\n')[1]);
    const c = (await get(`/v1/ledger/consistency?from=${oldSize}&to=${latest.size}`)).json();
    const args = ['ledger', 'verify', '--checkpoint', file('new.txt', latest.note), '--key', key, '--old-checkpoint', file('old.txt', old)];
    const ok = await cli(...args, '--consistency', file('c.json', JSON.stringify(c)));
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('append-only extension');
    const flipped = [...c.proof];
    const h = Buffer.from(flipped[flipped.length - 1], 'base64');
    h[31]! ^= 0x80;
    flipped[flipped.length - 1] = h.toString('base64');
    const bad = await cli(...args, '--consistency', file('c-bad.json', JSON.stringify({ ...c, proof: flipped })));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('NOT an append-only extension');
  });
});

describe('consentgate ledger monitor', () => {
  it('pins the log, accepts growth, co-signs as a witness, and fails loudly on a rewritten log', async () => {
    const state = join(dir, 'monitor.json');
    const witness = generateSigner('witness.example/w1');
    const wFile = file('witness.key', witness.secretText + '\n');

    const first = await cli('ledger', 'monitor', '--url', base, '--state', state, '--witness-key', wFile);
    expect(first.code).toBe(0);
    expect(first.err).toContain('trusting');
    const s1 = JSON.parse(readFileSync(state, 'utf8'));
    const logKey = parseVerifierKey(s1.verifier);
    expect(verifyCheckpoint(s1.cosigned, logKey, { witnesses: [parseVerifierKey(witness.text)], minWitnesses: 1 }).size).toBe(s1.size);

    await appendMany(12);
    await app.ctx.ledger.checkpoint();
    const grown = await cli('ledger', 'monitor', '--url', base, '--state', state);
    expect(grown.code).toBe(0);
    expect(grown.out).toContain('consistent');
    const s2 = JSON.parse(readFileSync(state, 'utf8'));
    expect(s2.size).toBeGreaterThan(s1.size);

    // The operator rewrites history: same key, a different log of a larger size.
    const db = app.ctx.db;
    await db.exec(`DELETE FROM ledger_checkpoints; DELETE FROM ledger_nodes; DELETE FROM ledger_entries; UPDATE ledger_head SET size = 0, frontier = '\\x'::bytea;`);
    n = 1000;
    await appendMany(s2.size + 3, 'rewritten');
    await app.ctx.ledger.checkpoint();
    const rewritten = await cli('ledger', 'monitor', '--url', base, '--state', state);
    expect(rewritten.code).toBe(1);
    expect(rewritten.err).toMatch(/REWRITTEN|FORK/);
    // The state still holds what was verified before, so the alarm repeats until resolved.
    expect(JSON.parse(readFileSync(state, 'utf8')).root).toBe(s2.root);

    // A fork at the same size, and a rollback, are caught too.
    await db.exec(`DELETE FROM ledger_checkpoints; DELETE FROM ledger_nodes; DELETE FROM ledger_entries; UPDATE ledger_head SET size = 0, frontier = '\\x'::bytea;`);
    await appendMany(s2.size, 'forked');
    await app.ctx.ledger.checkpoint();
    const fork = await cli('ledger', 'monitor', '--url', base, '--state', state);
    expect(fork.code).toBe(1);
    expect(fork.err).toContain('FORK');

    await db.exec(`DELETE FROM ledger_checkpoints; DELETE FROM ledger_nodes; DELETE FROM ledger_entries; UPDATE ledger_head SET size = 0, frontier = '\\x'::bytea;`);
    await appendMany(2, 'short');
    await app.ctx.ledger.checkpoint();
    const shrunk = await cli('ledger', 'monitor', '--url', base, '--state', state);
    expect(shrunk.code).toBe(1);
    expect(shrunk.err).toContain('shrank');

    // A different pinned key is refused; an unreachable server is exit 2.
    expect((await cli('ledger', 'monitor', '--url', base, '--state', state, '--key', generateSigner('x.example/l').text)).code).toBe(1);
    expect((await cli('ledger', 'monitor', '--url', 'http://127.0.0.1:1', '--state', join(dir, 'other.json'))).code).toBe(2);
  });
});

describe('consentgate ledger monitor --interval', () => {
  it('keeps watching, reports growth, and exits 1 on the first failed check', async () => {
    const state = join(dir, 'watch.json');
    let out = '';
    let err = '';
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s), isTTY: false };
    const running = main(['node', 'consentgate', 'ledger', 'monitor', '--url', base, '--state', state, '--interval', '100ms'], io);
    const lines = () => out.split('\n').filter((l) => l.startsWith('✓')).length;
    const until = async (cond: () => boolean) => {
      expect(await waitFor(cond, 15_000, 50), `monitor output so far:\n${out}${err}`).toBe(true);
    };
    await until(() => lines() >= 2); // it did not stop after one check
    await appendMany(5, 'watched');
    await app.ctx.ledger.checkpoint();
    await until(() => /grew \d+ → \d+, consistent/.test(out));
    const before = JSON.parse(readFileSync(state, 'utf8'));

    // History is rewritten under the watcher: the next check fails and the watch ends with exit 1.
    await app.ctx.db.exec(`DELETE FROM ledger_checkpoints; DELETE FROM ledger_nodes; DELETE FROM ledger_entries; UPDATE ledger_head SET size = 0, frontier = '\\x'::bytea;`);
    await appendMany(before.size + 2, 'rewritten-under-watch');
    await app.ctx.ledger.checkpoint();
    expect(await running).toBe(1);
    expect(err).toMatch(/REWRITTEN|FORK/);
    expect(JSON.parse(readFileSync(state, 'utf8')).root).toBe(before.root);
  }, 60_000);

  it('--checks bounds the watch; a bad --interval is exit 2', async () => {
    const state = join(dir, 'bounded.json');
    const r = await cli('ledger', 'monitor', '--url', base, '--state', state, '--interval', '100ms', '--checks', '3');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('✓'))).toHaveLength(3);
    for (const bad of ['30', '0s', '10ms', '2d', 'soon']) {
      const b = await cli('ledger', 'monitor', '--url', base, '--state', state, '--interval', bad);
      expect(b.code, bad).toBe(2);
      expect(b.err).toContain('INVALID_DURATION');
    }
  });
});

describe('server errors name the server problem', () => {
  it('ledger verify on a saved 404 answer says INDEX_OUT_OF_RANGE, not MISSING_INPUT (exit 2)', async () => {
    const key = (await get('/v1/ledger/keys')).json().verifier as string;
    const res = await get('/v1/ledger/entries/99999999');
    expect(res.statusCode).toBe(404);
    const saved = file('entry-missing.json', res.body);
    const r = await cli('ledger', 'verify', '--key', key, '--proof', saved);
    expect(r.code).toBe(2);
    expect(r.err).toContain('INDEX_OUT_OF_RANGE');
    expect(r.err).not.toContain('MISSING_INPUT');
    const c = file('c-missing.json', (await get('/v1/ledger/consistency?from=5&to=99999999')).body);
    const cp = file('cp-now.txt', (await get('/v1/ledger/checkpoint')).body);
    const rc = await cli('ledger', 'verify', '--key', key, '--checkpoint', cp, '--old-checkpoint', cp, '--consistency', c);
    expect(rc.code).toBe(2);
    expect(rc.err).toMatch(/error (BAD_RANGE|INDEX_OUT_OF_RANGE|CHECKPOINT_NOT_FOUND|VALIDATION_FAILED)/);
  });
});
