import { readFile, stat } from 'node:fs/promises';
import { verifyReceipt, type VerifyResult } from '../../core/consent/receipt.ts';
import { fromB64u, type PublicKeyInfo } from '../../core/crypto/ed25519.ts';
import type { RegisterCommand } from './index.ts';

/**
 * `consentgate receipt verify <receipt.json> --key <key>`: offline verification of a consent
 * receipt. `--key` is a public key (base64url or hex, 32 bytes) or a file holding one, a key
 * set as served by `GET /v1/keys`, or a single key object. The receipt file may be the
 * receipt itself or the API's `{ "receipt": … }` response.
 * Exit 0 valid, 1 invalid, 2 unreadable receipt or key.
 */
const MAX_FILE_BYTES = 1024 * 1024;

class Unreadable extends Error {}

export const registerReceipt: RegisterCommand = (program, io, setExit) => {
  const receipt = program.command('receipt').description('consent receipts');
  receipt
    .command('verify')
    .description('verify a consent receipt\'s Ed25519 signature offline (exit 0 valid, 1 invalid, 2 unreadable or not a receipt)')
    .argument('<receipt>', 'receipt JSON file')
    .requiredOption('-k, --key <key>', 'public key (base64url/hex), or a file with a key or the key set from GET /v1/keys')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { key: string; json?: boolean }) => {
      let result: VerifyResult;
      let receiptId: unknown;
      try {
        const doc = await readJson(file);
        const body = isObject(doc) && !('signature' in doc) && isObject(doc.receipt) ? doc.receipt : doc;
        // Some other JSON (a key set, a problem answer, an empty object) is bad input, exit 2 — not
        // the "tampered" verdict (exit 1), which is for a receipt whose signature does not hold.
        if (!looksLikeReceipt(body)) throw new Unreadable(`${file} is not a consent receipt (no "receiptId" or "schema": "consentgate.receipt/…")`);
        receiptId = body.receiptId;
        result = verifyReceipt(body, await loadKeys(opts.key));
      } catch (e) {
        if (!(e instanceof Unreadable)) throw e;
        if (opts.json) io.out(JSON.stringify({ valid: false, unreadable: true, reason: e.message }) + '\n');
        else io.err(`unreadable: ${e.message}\n`);
        setExit(2);
        return;
      }
      if (opts.json) io.out(JSON.stringify({ ...result, receiptId: receiptId ?? null }) + '\n');
      else if (result.valid) io.out(`valid: receipt ${String(receiptId)} signed by ${result.kid}\n`);
      else io.out(`INVALID: ${result.reason}\n`);
      setExit(result.valid ? 0 : 1);
    });
};

/** A receipt names itself: its id, or its schema. Whether it is genuine is the signature's job. */
function looksLikeReceipt(v: unknown): v is Record<string, unknown> {
  return isObject(v) && (typeof v.receiptId === 'string' || (typeof v.schema === 'string' && v.schema.startsWith('consentgate.receipt/')));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readText(file: string): Promise<string> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Unreadable(`${file} is not a regular file`);
    if (st.size > MAX_FILE_BYTES) throw new Unreadable(`${file} is larger than ${MAX_FILE_BYTES} bytes`);
    return await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof Unreadable) throw e;
    throw new Unreadable(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = await readText(file);
  try {
    return JSON.parse(text);
  } catch {
    throw new Unreadable(`${file} is not JSON`);
  }
}

function rawKey(s: string): Uint8Array | undefined {
  const t = s.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return new Uint8Array(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9_-]{43}$/.test(t)) return fromB64u(t);
  return undefined;
}

function keyInfo(v: unknown): PublicKeyInfo | undefined {
  if (!isObject(v) || typeof v.kid !== 'string' || typeof v.publicKey !== 'string' || !rawKey(v.publicKey)) return undefined;
  return { kid: v.kid, alg: 'Ed25519', publicKey: v.publicKey, status: v.status === 'retired' ? 'retired' : 'active' };
}

async function loadKeys(arg: string): Promise<Uint8Array | PublicKeyInfo[]> {
  const direct = rawKey(arg);
  if (direct) return direct;
  const text = await readText(arg);
  const raw = rawKey(text);
  if (raw) return raw;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Unreadable(`${arg} holds neither a public key nor JSON`);
  }
  const list = isObject(doc) && Array.isArray(doc.keys) ? doc.keys : Array.isArray(doc) ? doc : [doc];
  const keys = list.map(keyInfo);
  if (keys.length === 0 || keys.some((k) => k === undefined)) throw new Unreadable(`${arg} is not a key or key set ({ keys: [{ kid, publicKey }] })`);
  return keys as PublicKeyInfo[];
}
