import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { shareBatches } from '../../src/audit/shares.ts';
import { main } from '../../src/cli/main.ts';
import { captureIO } from '../../src/cli/io.ts';
import { verifyReceipt } from '../../src/core/consent/receipt.ts';
import { CgError } from '../../src/core/errors.ts';
import { parseRegistry } from '../../src/core/registry/parse.ts';
import { decodeProof, generateSigner, parseCheckpoint, parseNote, parseVerifierKey, signCheckpoint, verifyCheckpoint } from '../../src/ledger/index.ts';
import { documentedCodes } from './codes.ts';
import { hostileString, pollutingJson } from './fuzz-support.ts';

/**
 * Hostile input to the CLI's parsers — registry YAML, replay share logs (CSV/JSONL), consent
 * histories, member lists, consent receipts, checkpoints, signed notes and proofs — both
 * in-process and through `consentgate` itself (main() with captured output): every input is
 * either accepted or refused with a CgError whose code is documented; the CLI always exits
 * 0/1/2 with a message and never a stack trace. ~5,500 inputs.
 */
const DOCUMENTED = documentedCodes();
const dir = mkdtempSync(join(tmpdir(), 'cg-fuzz-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let inputs = 0;

const DEMO_YAML = readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8');
const FIXTURES = new URL('../audit/fixtures/', import.meta.url).pathname;
const SHARES = readFileSync(new URL('../../examples/aliexpress-case/shares.csv', import.meta.url), 'utf8').split('\n').slice(0, 30).join('\n');
const CONSENTS = readFileSync(join(FIXTURES, 'consents.jsonl'), 'utf8');

/** Runs `fn`; a throw must be a CgError with a documented code. */
async function refusesCleanly(fn: () => unknown): Promise<void> {
  inputs++;
  try {
    await fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(CgError);
    expect(DOCUMENTED.has((e as CgError).code), `undocumented ${(e as CgError).code}`).toBe(true);
  }
}

/** Line-level mutations of a real document: drop, duplicate, garble, splice hostile text. */
const mutated = (doc: string) => {
  const lines = doc.split('\n');
  return fc.array(fc.tuple(fc.nat({ max: lines.length - 1 }), fc.constantFrom('drop', 'dup', 'garble', 'inject', 'truncate'), hostileString), { minLength: 1, maxLength: 4 }).map((ops) => {
    const l = [...lines];
    for (const [i, op, s] of ops) {
      const j = Math.min(i, l.length - 1);
      if (op === 'drop') l.splice(j, 1);
      else if (op === 'dup') l.splice(j, 0, l[j] ?? '');
      else if (op === 'garble') l[j] = (l[j] ?? '').replace(/[a-z]/g, 'q') + ': [';
      else if (op === 'inject') l[j] = (l[j] ?? '') + s;
      else l[j] = (l[j] ?? '').slice(0, Math.floor((l[j] ?? '').length / 2));
    }
    return l.join('\n');
  });
};

it('registry YAML: parsed or refused with a documented code', async () => {
  const yamlBombs = fc.constantFrom(
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
    '__proto__:\n  polluted: true\n', 'constructor:\n  prototype:\n    polluted: true\n', '- '.repeat(5000) + 'x', '{'.repeat(3000), '!!js/function "function(){}"', '\ufeff---\n...\n---\n', '? [a]\n: b\n',
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated(DEMO_YAML), hostileString, yamlBombs, fc.uint8Array({ maxLength: 400 })), async (input) => {
      await refusesCleanly(() => parseRegistry(input));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }),
    { numRuns: 1500 },
  );
}, 120_000);

it('share logs (CSV and JSONL): every line accounted for, or refused with a documented code', async () => {
  const line = fc.oneof(
    hostileString,
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    pollutingJson,
    fc.array(hostileString, { maxLength: 8 }).map((cells) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')),
    fc.constantFrom('"unterminated,quote', 'a,"b""c",d', '\r', '\u0000,\u0000', ','.repeat(1000)),
  );
  const file = fc.oneof(mutated(SHARES), fc.array(line, { maxLength: 20 }).map((ls) => ls.join('\n')), fc.tuple(fc.constant(SHARES.split('\n')[0]!), fc.array(line, { maxLength: 10 })).map(([h, ls]) => [h, ...ls].join('\n')));
  await fc.assert(
    fc.asyncProperty(file, async (text) => {
      await refusesCleanly(async () => {
        let rows = 0;
        const counts = { lines: 0, header: 0, blank: 0, format: 'empty' as const };
        for await (const b of shareBatches(Readable.from([Buffer.from(text)]), 'shares.csv', counts as never)) rows += b.rows.length;
        const c = counts as { lines: number; header: number; blank: number };
        expect(c.header + c.blank + rows).toBe(c.lines);
      });
    }),
    { numRuns: 1500 },
  );
}, 120_000);

it('checkpoints, signed notes, proofs, verifier keys and receipts: refused cleanly', async () => {
  const signer = generateSigner('fuzz.test/log');
  const good = signCheckpoint({ origin: 'fuzz.test/log', size: 5, root: new Uint8Array(32).fill(7), extensions: [] } as never, signer);
  const noteLike = fc.oneof(mutated(good), hostileString, fc.array(hostileString, { maxLength: 5 }).map((l) => l.join('\n') + '\n'), fc.constant(good.replace('5\n', '-1\n')), fc.constant(good + '\u2014 x y\n'));
  await fc.assert(
    fc.asyncProperty(noteLike, fc.oneof(hostileString, fc.constant(signer.text)), fc.jsonValue({ maxDepth: 3 }), async (note, key, json) => {
      await refusesCleanly(() => parseNote(note));
      await refusesCleanly(() => parseCheckpoint(note));
      await refusesCleanly(() => verifyCheckpoint(note, signer));
      await refusesCleanly(() => parseVerifierKey(key));
      await refusesCleanly(() => decodeProof(json));
      // Receipt verification answers valid/invalid; it never throws on any JSON.
      inputs++;
      const r = verifyReceipt(json, new Uint8Array(32));
      expect(r.valid).toBe(false);
    }),
    { numRuns: 350 },
  );
}, 120_000);

it('the consentgate CLI itself (replay, receipt verify, ledger verify) on hostile files: exit 0/1/2, no stack traces', async () => {
  const signer = generateSigner('fuzz.test/log');
  const run = async (argv: string[]) => {
    inputs++;
    const io = captureIO();
    const code = await main(['node', 'consentgate', ...argv], io);
    expect([0, 1, 2]).toContain(code);
    expect(io.stderr()).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    if (code === 2) expect(io.stderr().length).toBeGreaterThan(0);
  };
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(mutated(SHARES), hostileString),
      fc.oneof(mutated(CONSENTS), fc.array(fc.oneof(pollutingJson, hostileString), { maxLength: 5 }).map((l) => l.join('\n'))),
      fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), pollutingJson, hostileString),
      async (shares, consents, json) => {
        const k = n++;
        const f = (name: string, text: string) => {
          const p = join(dir, `${k}-${name}`);
          writeFileSync(p, text);
          return p;
        };
        await run(['replay', '--registry', join(FIXTURES, 'registry.yaml'), '--shares', f('shares.csv', shares), '--consents', f('consents.jsonl', consents), '--members', join(FIXTURES, 'members.csv'), '--format', 'json', '--no-progress']);
        await run(['receipt', 'verify', f('receipt.json', json), '--key', 'A'.repeat(43)]);
        await run(['ledger', 'verify', '--key', signer.text, '--proof', f('proof.json', json)]);
      },
    ),
    { numRuns: 300 },
  );
}, 120_000);

it('fed at least 5,000 inputs to the CLI parsers', () => {
  expect(inputs).toBeGreaterThanOrEqual(5_000);
});
