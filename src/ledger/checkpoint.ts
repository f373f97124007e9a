import { CgError } from '../core/errors.ts';
import { isHash } from './hash.ts';
import { b64, openNote, parseNote, signNote, unb64, type SignerKey, type VerifierKey } from './note.ts';

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): a signed note whose text is
 *   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]*
 * The log's key signs it; witnesses add their own signature lines to the same text.
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

export interface VerifiedCheckpoint extends Checkpoint {
  /** The full signed note, as received. */
  readonly note: string;
  /** Names of the trusted keys (log and witnesses) whose signatures verified. */
  readonly verifiedBy: readonly string[];
}

const bad = (message: string, path = 'checkpoint') => new CgError('MALFORMED_CHECKPOINT', message, 400, [{ code: 'MALFORMED_CHECKPOINT', message, path }]);

export function checkpointBody(c: Checkpoint): string {
  if (!c.origin || /[\n\s]/.test(c.origin)) throw bad('origin must be one non-empty line without spaces', 'origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw bad('size must be a non-negative integer', 'size');
  if (!isHash(c.root)) throw bad('root must be 32 bytes', 'root');
  for (const e of c.extensions) if (!e || e.includes('\n')) throw bad('extension lines must be non-empty single lines', 'extensions');
  return [c.origin, String(c.size), b64(c.root), ...c.extensions].join('\n') + '\n';
}

/** Parses the checkpoint text (the part above the blank line). */
export function parseCheckpointBody(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw bad('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('checkpoint needs origin, size and root lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!origin) throw bad('origin line is empty', 'origin');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw bad('size must be a decimal integer without leading zeros', 'size');
  const root = unb64(rootText);
  if (!root || !isHash(root)) throw bad('root must be the base64 of 32 bytes', 'root');
  if (extensions.some((e) => e === '')) throw bad('extension lines must not be empty', 'extensions');
  return { origin, size: Number(sizeText), root, extensions };
}

export function signCheckpoint(c: Checkpoint, signer: SignerKey): string {
  return signNote(checkpointBody(c), [signer]);
}

/** Parses a signed checkpoint without verifying it (to show it, or to find its origin). */
export function parseCheckpoint(note: string): Checkpoint {
  return parseCheckpointBody(parseNote(note).text);
}

export interface VerifyCheckpointOptions {
  /** Witness keys whose co-signatures count. */
  witnesses?: readonly VerifierKey[];
  /** How many of `witnesses` must have co-signed (default 0). */
  minWitnesses?: number;
  /** The origin expected; defaults to the log key's name (C2SP: the log's key is named after its origin). */
  origin?: string;
}

/**
 * Verifies a checkpoint: the log key must have signed it, the origin must be the expected
 * one, and at least `minWitnesses` of the named witnesses must have co-signed. Throws CgError.
 */
export function verifyCheckpoint(note: string, logKey: VerifierKey, opts: VerifyCheckpointOptions = {}): VerifiedCheckpoint {
  const witnesses = opts.witnesses ?? [];
  const opened = openNote(note, [logKey, ...witnesses]);
  if (!opened.signatures.some((s) => s.name === logKey.name && s.keyHash === logKey.keyHash)) {
    throw new CgError('UNKNOWN_SIGNER', `checkpoint is not signed by the log key ${logKey.name}`, 400, [{ code: 'UNKNOWN_SIGNER', message: 'log signature missing', path: 'signatures' }]);
  }
  const cp = parseCheckpointBody(opened.text);
  const origin = opts.origin ?? logKey.name;
  if (cp.origin !== origin) throw bad(`checkpoint origin "${cp.origin}" is not the expected "${origin}"`, 'origin');
  const cosigned = witnesses.filter((w) => opened.verifiedBy.includes(w.name) && w.name !== logKey.name).length;
  const need = opts.minWitnesses ?? 0;
  if (cosigned < need) {
    throw new CgError('MISSING_COSIGNATURE', `checkpoint has ${cosigned} of the ${need} required witness co-signatures`, 400, [
      { code: 'MISSING_COSIGNATURE', message: 'not enough witnesses', path: 'signatures' },
    ]);
  }
  return { ...cp, note, verifiedBy: opened.verifiedBy };
}

/**
 * A witness co-signs: it adds its own Ed25519 signature line over the same checkpoint text.
 * The caller must have verified the checkpoint (and its consistency with what the witness saw
 * before) first — `consentgate ledger monitor --witness-key` does exactly that.
 */
export function cosignCheckpoint(note: string, witness: SignerKey): string {
  const parsed = parseNote(note);
  parseCheckpointBody(parsed.text);
  return signNote(parsed.text, [witness], parsed.signatures);
}
