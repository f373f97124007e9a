import { existsSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import { CgError } from '../../core/errors.ts';
import { verifyCheckpoint, cosignCheckpoint } from '../../ledger/checkpoint.ts';
import { bytesEqual, leafHash } from '../../ledger/hash.ts';
import { generateSigner, parseSignerKey, parseVerifierKey, unb64, type VerifierKey } from '../../ledger/note.ts';
import { decodeProof } from '../../ledger/proof-codec.ts';
import { checkConsistency, checkInclusion } from '../../ledger/verify.ts';
import type { CliIO } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/**
 * `consentgate ledger …`: check the transparency log without trusting the server.
 * - `verify`: offline, from files — a checkpoint's signature, an entry's inclusion, a consistency proof.
 * - `monitor`: remembers the last checkpoint seen and fails loudly (exit 1) if the log was
 *   rewritten, rolled back or forked; can co-sign as a witness. One check, or with `--interval`
 *   one check every interval until the first failure (the exit code says which).
 * - `keygen`: an Ed25519 signed-note key pair (for witnesses, or an operator-held log key).
 * Exit codes: 0 verified, 1 verification failed, 2 unreadable or malformed input.
 */
const MAX_FILE = 4 * 1024 * 1024;
const MAX_RESPONSE = 4 * 1024 * 1024;

/** Raised when a check fails (exit 1), as opposed to malformed input (exit 2). */
class VerificationFailed extends Error {}

const VERIFY_CODES = new Set(['BAD_SIGNATURE', 'UNKNOWN_SIGNER', 'MISSING_COSIGNATURE']);

export const registerLedger: RegisterCommand = (program, io, setExit) => {
  const ledger = program.command('ledger').description('verify and monitor the transparency log (RFC 9162 proofs, C2SP checkpoints)');

  ledger
    .command('verify')
    .description('verify offline: a checkpoint signature, and optionally an entry inclusion proof and a consistency proof')
    .option('--checkpoint <file>', 'signed checkpoint note (default: the "checkpoint" field of --proof)')
    .requiredOption('--key <key>', 'log verifier key <origin>+<hash>+<base64>, or a file holding it')
    .option('--witness <key>', 'trusted witness verifier key (repeatable)', collect, [] as string[])
    .option('--min-witnesses <n>', 'witness co-signatures required', '0')
    .option('--entry <file>', 'the entry bytes (default: "entry_base64" of --proof)')
    .option('--index <n>', 'leaf index of the entry (default: "index" of --proof)')
    .option('--proof <file>', 'inclusion proof: the JSON of GET /v1/ledger/entries/:index, or a JSON array of base64 hashes')
    .option('--old-checkpoint <file>', 'an earlier signed checkpoint of the same log')
    .option('--consistency <file>', 'consistency proof: the JSON of GET /v1/ledger/consistency, or a JSON array')
    .action(async (opts: VerifyOpts) => setExit(await guard(io, () => verifyCommand(io, opts))));

  ledger
    .command('monitor')
    .description('fetch the newest checkpoint, prove it extends the last one seen, remember it (exit 1 on a rewrite or fork); --interval keeps watching')
    .requiredOption('--url <url>', 'ConsentGate server base URL')
    .requiredOption('--state <file>', 'state file (created on first run)')
    .option('--key <key>', 'log verifier key (default: pinned in the state file, else fetched once and pinned)')
    .option('--witness-key <file>', 'file holding a PRIVATE+KEY+… witness signer key: co-sign each verified checkpoint')
    .option('--cosigned-out <file>', 'where to write the co-signed checkpoint (default: only the state file)')
    .option('--interval <duration>', 'keep watching: check again every interval (e.g. 30s, 5m, 1h) until a check fails')
    .option('--checks <n>', 'stop after this many checks (default: 1, or unlimited with --interval)')
    .action(async (opts: MonitorOpts) => setExit(await watch(io, opts)));

  ledger
    .command('keygen')
    .description('generate an Ed25519 signed-note key pair (prints the PRIVATE+KEY signer key and its verifier key)')
    .requiredOption('--name <name>', 'key name, e.g. witness.example.com/w1 or the log origin')
    .addOption(new Option('--out <file>', 'write the signer key to this file (mode 0600) instead of stdout'))
    .action(async (opts: { name: string; out?: string }) =>
      setExit(
        await guard(io, async () => {
          const s = generateSigner(opts.name);
          if (opts.out) await writeFile(opts.out, s.secretText + '\n', { mode: 0o600, flag: 'wx' });
          else io.out(s.secretText + '\n');
          io.out(s.text + '\n');
          return 0;
        }),
      ),
    );
};

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/** Verification failures → 1 with a ✗ line; malformed input → 2. */
async function guard(io: CliIO, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof VerificationFailed) {
      io.err(`✗ ${e.message}\n`);
      return 1;
    }
    if (e instanceof CgError && VERIFY_CODES.has(e.code)) {
      io.err(`✗ ${e.code}: ${e.message}\n`);
      return 1;
    }
    if (e instanceof CgError) {
      io.err(`error ${e.code}: ${e.message}${e.path ? ` (${e.path})` : ''}\n`);
      return e.status >= 500 ? 1 : 2;
    }
    throw e;
  }
}

// ── verify ────────────────────────────────────────────────────────────────────────────────

interface VerifyOpts {
  checkpoint?: string;
  key: string;
  witness: string[];
  minWitnesses: string;
  entry?: string;
  index?: string;
  proof?: string;
  oldCheckpoint?: string;
  consistency?: string;
}

async function verifyCommand(io: CliIO, o: VerifyOpts): Promise<number> {
  const key = await readKey(o.key);
  const witnesses = await Promise.all(o.witness.map(readKey));
  const proofDoc = o.proof ? await readJson(o.proof, 'proof') : undefined;
  const noteText = o.checkpoint ? await readText(o.checkpoint) : stringField(proofDoc, 'checkpoint');
  if (noteText === undefined) throw new CgError('MISSING_INPUT', 'give --checkpoint (or a --proof file that includes one)', 400, [{ code: 'MISSING_INPUT', message: 'no checkpoint', path: 'checkpoint' }]);
  const min = toInt(o.minWitnesses, 'min-witnesses');
  const cp = verifyCheckpoint(noteText, key, { witnesses, minWitnesses: min });
  io.out(`✓ checkpoint ${cp.origin} size ${cp.size} root ${b64(cp.root)} signed by ${cp.verifiedBy.join(', ')}\n`);

  if (o.proof || o.entry || o.index !== undefined) {
    if (!proofDoc) throw new CgError('MISSING_INPUT', 'inclusion needs --proof', 400, [{ code: 'MISSING_INPUT', message: 'no proof', path: 'proof' }]);
    const entry = o.entry ? await readBytes(o.entry) : bytesField(proofDoc, 'entry_base64');
    if (!entry) throw new CgError('MISSING_INPUT', 'give --entry (or a --proof file with "entry_base64")', 400, [{ code: 'MISSING_INPUT', message: 'no entry', path: 'entry' }]);
    const index = o.index !== undefined ? toInt(o.index, 'index') : numberField(proofDoc, 'index');
    if (index === undefined) throw new CgError('MISSING_INPUT', 'give --index (or a --proof file with "index")', 400, [{ code: 'MISSING_INPUT', message: 'no index', path: 'index' }]);
    const proofSize = numberField(proofDoc, 'tree_size');
    if (proofSize !== undefined && proofSize !== cp.size) throw new VerificationFailed(`the proof is for tree size ${proofSize} but the checkpoint is of size ${cp.size}`);
    const proof = decodeProof(Array.isArray(proofDoc) ? proofDoc : (proofDoc as { proof?: unknown }).proof);
    const v = checkInclusion(leafHash(entry), index, cp.size, proof, cp.root);
    if (!v.ok) throw new VerificationFailed(`entry ${index} is NOT in the log at size ${cp.size}: ${v.reason}`);
    io.out(`✓ entry ${index} is in the log at size ${cp.size}: ${preview(entry)}\n`);
  }

  if (o.oldCheckpoint || o.consistency) {
    if (!o.oldCheckpoint || !o.consistency) throw new CgError('MISSING_INPUT', 'consistency needs both --old-checkpoint and --consistency', 400, [{ code: 'MISSING_INPUT', message: 'incomplete', path: 'consistency' }]);
    const old = verifyCheckpoint(await readText(o.oldCheckpoint), key, { witnesses });
    const doc = await readJson(o.consistency, 'consistency');
    const from = numberField(doc, 'from');
    const to = numberField(doc, 'to');
    if ((from !== undefined && from !== old.size) || (to !== undefined && to !== cp.size)) {
      throw new VerificationFailed(`the consistency proof is for sizes ${from}→${to}, the checkpoints are ${old.size}→${cp.size}`);
    }
    const proof = decodeProof(Array.isArray(doc) ? doc : (doc as { proof?: unknown }).proof, 'consistency');
    const v = checkConsistency(old.size, cp.size, old.root, cp.root, proof);
    if (!v.ok) throw new VerificationFailed(`the log at size ${cp.size} is NOT an append-only extension of size ${old.size}: ${v.reason}`);
    io.out(`✓ size ${cp.size} is an append-only extension of size ${old.size}\n`);
  }
  return 0;
}

// ── monitor ───────────────────────────────────────────────────────────────────────────────

interface MonitorOpts {
  url: string;
  state: string;
  key?: string;
  witnessKey?: string;
  cosignedOut?: string;
  interval?: string;
  checks?: string;
}

/**
 * One check, or — with `--interval` — a check every interval until the first that fails, whose
 * exit code is returned: 1 the log was rewritten, rolled back or forked (or the key changed), 2 the
 * server could not be reached or answered something that is not a log. A watcher that carried on
 * past a failure would turn an alarm into a log line nobody reads.
 */
async function watch(io: CliIO, o: MonitorOpts): Promise<number> {
  let intervalMs: number | undefined;
  let checks: number;
  try {
    intervalMs = o.interval === undefined ? undefined : parseInterval(o.interval);
    checks = o.checks !== undefined ? toInt(o.checks, 'checks') : intervalMs === undefined ? 1 : Infinity;
  } catch (e) {
    return guard(io, () => Promise.reject(e));
  }
  for (let done = 0; ; ) {
    const code = await guard(io, () => monitorCommand(io, o));
    if (code !== 0 || ++done >= checks) return code;
    await new Promise((r) => setTimeout(r, intervalMs ?? 0));
  }
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `30s`, `5m`, `1h`, `500ms`: at least 100 ms, at most a day. */
export function parseInterval(text: string): number {
  const m = /^([1-9][0-9]{0,8})(ms|s|m|h)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : NaN;
  if (!(ms >= 100 && ms <= 86_400_000)) {
    throw new CgError('INVALID_DURATION', `--interval "${text.slice(0, 40)}" is not a duration like 30s, 5m or 1h (100ms .. 24h)`, 400, [
      { code: 'INVALID_DURATION', message: 'not a duration', path: 'interval' },
    ]);
  }
  return ms;
}

interface MonitorState {
  url: string;
  verifier: string;
  size: number;
  root: string;
  checkpoint: string;
  cosigned?: string;
  checked_at: string;
}

async function monitorCommand(io: CliIO, o: MonitorOpts): Promise<number> {
  const base = o.url.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new CgError('INVALID_URL', '--url must be an http(s) URL', 400, [{ code: 'INVALID_URL', message: 'bad url', path: 'url' }]);
  const state = existsSync(o.state) ? parseState(await readJson(o.state, 'state')) : null;
  let key: VerifierKey;
  if (o.key) {
    key = await readKey(o.key);
    if (state && state.verifier !== key.text) throw new VerificationFailed(`the log key ${key.text} differs from the one pinned in ${o.state} (${state.verifier})`);
  } else if (state) {
    key = parseVerifierKey(state.verifier);
  } else {
    const keys = (await fetchJson(`${base}/v1/ledger/keys`)) as { verifier?: unknown };
    key = parseVerifierKey(String(keys.verifier ?? ''));
    io.err(`! no --key given: trusting ${key.text} from the server on first use and pinning it in ${o.state}\n`);
  }
  const witness = o.witnessKey ? parseSignerKey((await readText(o.witnessKey)).trim()) : null;

  const cp = verifyCheckpoint((await fetchText(`${base}/v1/ledger/checkpoint`)) ?? '', key);
  if (state) {
    const oldRoot = unb64(state.root)!;
    if (cp.size < state.size) throw new VerificationFailed(`the log shrank from ${state.size} to ${cp.size} entries: history was rolled back`);
    if (cp.size === state.size && !bytesEqual(cp.root, oldRoot)) {
      throw new VerificationFailed(`FORK: two signed checkpoints of size ${cp.size} with different roots (${state.root} before, ${b64(cp.root)} now)`);
    }
    if (cp.size > state.size) {
      const doc = (await fetchJson(`${base}/v1/ledger/consistency?from=${state.size}&to=${cp.size}`)) as { proof?: unknown };
      const v = checkConsistency(state.size, cp.size, oldRoot, cp.root, decodeProof(doc.proof));
      if (!v.ok) throw new VerificationFailed(`the log was REWRITTEN or FORKED: size ${cp.size} does not extend the size ${state.size} seen before (${v.reason})`);
    }
    // The server must still hold the checkpoint we saw, with the same root.
    const listed = (await fetchJson(`${base}/v1/ledger/checkpoints?size=${state.size}`, true)) as { checkpoints?: Array<{ root?: unknown }> } | null;
    const again = listed?.checkpoints?.[0];
    if (again && again.root !== state.root) throw new VerificationFailed(`FORK: the server now lists a different root for size ${state.size}`);
  }

  const next: MonitorState = { url: base, verifier: key.text, size: cp.size, root: b64(cp.root), checkpoint: cp.note, checked_at: new Date().toISOString() };
  if (witness) {
    next.cosigned = cosignCheckpoint(cp.note, witness);
    if (o.cosignedOut) await writeFile(o.cosignedOut, next.cosigned);
  }
  await writeAtomic(o.state, JSON.stringify(next, null, 2) + '\n');
  const grew = state ? (cp.size > state.size ? `grew ${state.size} → ${cp.size}, consistent` : `unchanged at ${cp.size}`) : `first checkpoint pinned at size ${cp.size}`;
  io.out(`✓ ${cp.origin}: ${grew}; root ${b64(cp.root)}${witness ? `; co-signed as ${witness.name}` : ''}\n`);
  return 0;
}

function parseState(v: unknown): MonitorState {
  const s = v as Partial<MonitorState>;
  const root = typeof s.root === 'string' ? unb64(s.root) : null;
  if (!s || typeof s.verifier !== 'string' || !Number.isSafeInteger(s.size) || (s.size as number) < 0 || !root || root.length !== 32 || typeof s.checkpoint !== 'string') {
    throw new CgError('MALFORMED_STATE', 'state file is not a ledger monitor state', 400, [{ code: 'MALFORMED_STATE', message: 'bad state', path: 'state' }]);
  }
  return s as MonitorState;
}

// ── input helpers ─────────────────────────────────────────────────────────────────────────

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new CgError('FILE_UNREADABLE', `${file} is not a regular file`, 400);
    if (st.size > MAX_FILE) throw new CgError('FILE_TOO_LARGE', `${file} is larger than ${MAX_FILE} bytes`, 413);
    return new Uint8Array(await readFile(file));
  } catch (e) {
    if (e instanceof CgError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CgError('FILE_NOT_FOUND', `${file} does not exist`, 404, [{ code: 'FILE_NOT_FOUND', message: 'missing', path: file }]);
    throw new CgError('FILE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`, 400);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await readBytes(file));
  } catch (e) {
    if (e instanceof CgError) throw e;
    throw new CgError('INVALID_ENCODING', `${file} is not valid UTF-8`, 400);
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readText(file);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CgError('MALFORMED_JSON', `${file} is not JSON`, 400, [{ code: 'MALFORMED_JSON', message: 'not JSON', path: what }]);
  }
  // `curl -s …/entries/42 > entry.json` saves the server's refusal as readily as a proof: name the
  // server's problem (INDEX_OUT_OF_RANGE, BAD_RANGE…) instead of a follow-on "no checkpoint".
  const problem = asProblem(doc);
  if (problem) {
    throw new CgError(problem.code, `${file} holds the server's error answer${problem.status ? ` (${problem.status})` : ''}, not a ${what}: ${problem.detail}`, 400, [
      { code: problem.code, message: problem.detail, path: what },
    ]);
  }
  return doc;
}

interface Problem {
  code: string;
  status?: number;
  detail: string;
}

/** An RFC 9457 problem document as ConsentGate serves it (`code`, `status`, `title`/`detail`). */
function asProblem(doc: unknown): Problem | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if (typeof d.code !== 'string' || !/^[A-Z][A-Z0-9_]{1,63}$/.test(d.code) || (typeof d.status !== 'number' && typeof d.title !== 'string')) return undefined;
  if ('proof' in d || 'checkpoint' in d || 'entry_base64' in d) return undefined;
  const detail = typeof d.detail === 'string' ? d.detail : typeof d.title === 'string' ? d.title : '';
  return { code: d.code, ...(typeof d.status === 'number' ? { status: d.status } : {}), detail: detail.slice(0, 300) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A verifier key given inline, or the path of a file holding one. */
async function readKey(arg: string): Promise<VerifierKey> {
  if (/^[^+\s]+\+[0-9a-f]{8}\+/.test(arg)) return parseVerifierKey(arg);
  return parseVerifierKey((await readText(arg)).trim());
}

function toInt(s: string, path: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new CgError('INVALID_NUMBER', `--${path} must be a non-negative integer`, 400, [{ code: 'INVALID_NUMBER', message: 'not an integer', path }]);
  }
  return Number(s);
}

const field = (doc: unknown, name: string): unknown => (doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>)[name] : undefined);
const stringField = (doc: unknown, name: string) => {
  const v = field(doc, name);
  return typeof v === 'string' ? v : undefined;
};
function numberField(doc: unknown, name: string): number | undefined {
  const v = field(doc, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new CgError('MALFORMED_PROOF', `"${name}" must be a non-negative integer`, 400, [{ code: 'MALFORMED_PROOF', message: 'bad number', path: name }]);
  return v;
}
function bytesField(doc: unknown, name: string): Uint8Array | undefined {
  const v = field(doc, name);
  if (v === undefined) return undefined;
  const b = typeof v === 'string' ? unb64(v) : null;
  if (!b) throw new CgError('MALFORMED_PROOF', `"${name}" must be base64`, 400, [{ code: 'MALFORMED_PROOF', message: 'bad base64', path: name }]);
  return b;
}

async function fetchText(url: string, allow404 = false): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000), headers: { accept: url.includes('/v1/ledger/checkpoint?') || url.endsWith('/v1/ledger/checkpoint') ? 'text/plain' : 'application/json' } });
  } catch (e) {
    throw new CgError('UNREACHABLE', `cannot reach ${new URL(url).origin}: ${(e as Error).message}`, 400);
  }
  if (allow404 && res.status === 404) return null;
  const body = await res.arrayBuffer();
  if (body.byteLength > MAX_RESPONSE) throw new CgError('RESPONSE_TOO_LARGE', `${url} answered more than ${MAX_RESPONSE} bytes`, 400);
  const text = new TextDecoder().decode(body);
  if (!res.ok) {
    const problem = asProblem(safeJson(text));
    const path = new URL(url).pathname;
    if (problem) throw new CgError(problem.code, `${path} answered ${res.status}: ${problem.detail}`, 400, [{ code: problem.code, message: problem.detail, path: 'url' }]);
    throw new CgError('SERVER_ERROR', `${path} answered ${res.status}: ${text.slice(0, 200)}`, 400);
  }
  return text;
}

async function fetchJson(url: string, allow404 = false): Promise<unknown> {
  const text = await fetchText(url, allow404);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new CgError('MALFORMED_JSON', `${new URL(url).pathname} did not answer JSON`, 400);
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const preview = (entry: Uint8Array) => {
  const s = Buffer.from(entry).toString('utf8');
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
};

