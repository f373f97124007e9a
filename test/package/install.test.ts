import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What an integrator gets: `npm pack` of the three packages (which runs their `prepack` builds),
 * each installed from its tarball into a fresh project, then imported from a plain .mjs file and
 * from a TypeScript file compiled with `tsc --init`'s defaults (and that output run), on the Node
 * running this test. Uses the npm cache first (`--prefer-offline`), the registry for the rest.
 * Runs everywhere, CI included: it needs only node and npm.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);

/** npm's own variables from an enclosing `npm test` would point a child npm at this repository. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_(package|lifecycle|config_local_prefix)|INIT_CWD$)/i.test(k)) env[k] = v;
  return env;
}

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await run(cmd, args, { cwd, env: cleanEnv(), maxBuffer: 64 << 20 })).stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}
const node = (args: string[], cwd: string) => sh(process.execPath, args, cwd);
const npm = (args: string[], cwd: string) => sh('npm', args, cwd);

interface Packed {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

/** Bytes under a folder (what `du --apparent-size` counts), without following links. */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += bytesUnder(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** The packages npm installed into a project (node_modules/.package-lock.json lists every one). */
function installedPackages(project: string): string[] {
  const lock = JSON.parse(readFileSync(join(project, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  return Object.keys(lock.packages).map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length)).sort();
}

const MB = (b: number) => (b < 1e6 ? `${(b / 1e3).toFixed(1)} kB` : `${(b / 1e6).toFixed(1)} MB`);

/** A consumer project: `npm install` the tarballs, `tsc --init`, and the two programs. */
async function consumer(dir: string, tarballs: string[], ledgerSpec: string, clientSpec: string): Promise<void> {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', ...tarballs], dir);
  await node([TSC, '--init'], dir);
  // The same program twice: as plain JavaScript, and as TypeScript that has to type-check.
  const program = (ts: boolean) => `
import { MerkleTree, leafHash, verifyInclusion, generateSigner, signCheckpoint, verifyCheckpoint, parseVerifierKey } from '${ledgerSpec}';
import { ConsentGateClient, ConsentGateError${ts ? ', type Release' : ''} } from '${clientSpec}';

const tree = new MerkleTree();
const entries = ['a', 'b', 'c', 'd', 'e'].map((s) => new TextEncoder().encode(s));
for (const e of entries) tree.append(e);
const proof = tree.inclusionProof(2);
const signer = generateSigner('example.org/log');
const note = signCheckpoint({ origin: 'example.org/log', size: tree.size, root: tree.root(), extensions: [] }, signer);
const checkpoint = verifyCheckpoint(note, parseVerifierKey(signer.text));

// The client against a fetch that answers as the gate does when it refuses.
const refusing${ts ? ': typeof fetch' : ''} = async () =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, code: 'NO_CONSENT', detail: 'no consent', article: 'PIPA 17(1)', decision_id: 'd1', ledger_index: 7 }),
    { status: 403, headers: { 'content-type': 'application/problem+json' } });
const client = new ConsentGateClient({ baseUrl: 'https://gate.example', apiKey: 'cg_recipient_x', fetch: refusing });
let refusal${ts ? ': unknown' : ''};
try {
  const r${ts ? ': Release' : ''} = await client.release({ subject: 's1', purpose: 'order_fulfilment' });
  refusal = r;
} catch (e) {
  refusal = e instanceof ConsentGateError ? { code: e.code, article: e.article, denial: e.isDenial } : String(e);
}
console.log(JSON.stringify({
  included: verifyInclusion(leafHash(entries[2]${ts ? '!' : ''}), 2, tree.size, proof, tree.root()),
  tampered: verifyInclusion(leafHash(entries[3]${ts ? '!' : ''}), 2, tree.size, proof, tree.root()),
  checkpointSize: checkpoint.size,
  refusal,
}));
`;
  writeFileSync(join(dir, 'plain.mjs'), program(false));
  writeFileSync(join(dir, 'typed.ts'), program(true));
}

const EXPECTED = { included: true, tampered: false, checkpointSize: 5, refusal: { code: 'NO_CONSENT', article: 'PIPA 17(1)', denial: true } };

describe('installed from the packed tarballs', () => {
  const work = mkdtempSync(join(tmpdir(), 'cg-pack-'));
  const tarballs = join(work, 'tarballs');
  const packed = new Map<string, Packed>();
  const measured: string[] = [];

  beforeAll(async () => {
    mkdirSync(tarballs);
    const all = [
      ...(JSON.parse(await npm(['pack', '--json', '--pack-destination', tarballs], ROOT)) as Packed[]),
      ...(JSON.parse(await npm(['pack', '--json', '--pack-destination', tarballs, '--workspace', 'packages/ledger', '--workspace', 'packages/client'], ROOT)) as Packed[]),
    ];
    for (const p of all) {
      packed.set(p.name, p);
      measured.push(`${p.filename}: ${p.files.length} files, ${MB(p.size)} packed, ${MB(p.unpackedSize)} unpacked`);
    }
  }, 180_000);

  afterAll(() => {
    console.log(`[package sizes]\n  ${measured.join('\n  ')}`);
    rmSync(work, { recursive: true, force: true });
  });

  const tgz = (name: string) => join(tarballs, packed.get(name)!.filename);

  it('the tarballs hold the build and what the server runs, and no tests, benchmarks or CI', () => {
    expect([...packed.keys()].sort()).toEqual(['@consentgate/client', '@consentgate/ledger', 'consentgate']);
    const files = packed.get('consentgate')!.files.map((f) => f.path);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/ledger/index.js', 'dist/ledger/index.d.ts', 'dist/client/index.js', 'dist/client/index.d.ts', 'bin/server.mjs', 'bin/consentgate.mjs', 'src/main.ts', 'README.md', 'package.json'])
      expect(files, f).toContain(f);
    expect(files.some((f) => f.startsWith('src/store/migrations/') && f.endsWith('.sql'))).toBe(true);
    expect(files.some((f) => f.startsWith('web/'))).toBe(true);
    expect(files.filter((f) => /^(test|bench|\.ci|deploy|docs|packages)\/|^tsconfig|^vitest/.test(f))).toEqual([]);
    for (const name of ['@consentgate/ledger', '@consentgate/client']) {
      const own = packed.get(name)!.files.map((f) => f.path);
      expect(own.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md'].includes(f)), name).toEqual([]);
      expect(own.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), `${name}: no TypeScript sources`).toEqual([]);
    }
  });

  it('@consentgate/ledger and @consentgate/client: nothing of the server installed; .mjs and tsc --init TypeScript both work', async () => {
    const dir = join(work, 'lib-consumer');
    await consumer(dir, [tgz('@consentgate/ledger'), tgz('@consentgate/client')], '@consentgate/ledger', '@consentgate/client');
    expect(installedPackages(dir)).toEqual(['@consentgate/client', '@consentgate/ledger', '@noble/curves', '@noble/hashes']);
    const size = bytesUnder(join(dir, 'node_modules'));
    measured.push(`consumer of @consentgate/ledger + @consentgate/client: ${installedPackages(dir).length} packages, ${MB(size)} in node_modules`);
    expect(size).toBeLessThan(10e6);

    expect(JSON.parse(await node(['plain.mjs'], dir))).toEqual(EXPECTED);
    await node([TSC], dir); // tsc --init's defaults: strict, nodenext, skipLibCheck
    await node([TSC, '--noEmit', '--skipLibCheck', 'false'], dir); // and the published declarations themselves type-check
    expect(JSON.parse(await node(['typed.js'], dir))).toEqual(EXPECTED);
    // CommonJS callers: Node 20.19+ / 22.12+ (the engines) load ES modules with require().
    writeFileSync(join(dir, 'old.cjs'), `const l = require('@consentgate/ledger'); const c = require('@consentgate/client'); console.log(typeof l.verifyInclusion, typeof c.ConsentGateClient);`);
    expect((await node(['old.cjs'], dir)).trim()).toBe('function function');
  }, 180_000);

  it('consentgate: consentgate/ledger and consentgate/client from the full package, .mjs and TypeScript', async () => {
    const dir = join(work, 'full-consumer');
    await consumer(dir, [tgz('consentgate')], 'consentgate/ledger', 'consentgate/client');
    const size = bytesUnder(join(dir, 'node_modules'));
    measured.push(`consumer of consentgate: ${installedPackages(dir).length} packages, ${MB(size)} in node_modules`);
    expect(JSON.parse(await node(['plain.mjs'], dir))).toEqual(EXPECTED);
    await node([TSC], dir);
    expect(JSON.parse(await node(['typed.js'], dir))).toEqual(EXPECTED);
    // The root entry: the registry parser and linter.
    writeFileSync(join(dir, 'core.mjs'), `import { parseRegistry, lintRegistry } from 'consentgate'; console.log(typeof parseRegistry, typeof lintRegistry);`);
    expect((await node(['core.mjs'], dir)).trim()).toBe('function function');
  }, 240_000);
});
