import { canonicalJson } from '../core/canonical.ts';
import { legalBasis } from '../core/registry/schema.ts';
import { checkJson, checkOf, isoTime, itemJson } from '../store/decision-json.ts';
import { DECISION_KIND, type DecisionRow } from '../store/decisions-repo.ts';
import type { Settle } from '../store/group-commit.ts';
import type { Committed, Journal } from '../store/journal.ts';
import { subjectOf } from '../store/ledger-appender.ts';

/**
 * The transparency-log entry of a decision: the record minus the trace's free text, the order
 * reference and the tokens — identifiers, codes and hashes only, no personal data.
 */
export function ledgerEntry(r: DecisionRow): Record<string, unknown> {
  // Keys in sorted (JCS) order, so canonical JSON is one native stringify.
  return {
    allow: r.allow,
    article: r.article,
    at: isoTime(r.at),
    basis: r.basis,
    checks: r.trace.map(checkOf),
    code: r.code,
    consent_event_id: r.consentEventId,
    decision_id: r.id,
    declaration: r.declarationId,
    notice_hash: r.noticeHash,
    purpose: r.purpose,
    recipient: r.recipient,
    registry_hash: r.registryHash,
    released: r.released,
    requested: r.requested,
    retention_until: r.retentionUntil === null ? null : isoTime(r.retentionUntil),
    subject: r.subjectPseudonym,
    via_decision: r.viaDecision,
  };
}

/**
 * `canonicalJson` of the ledger entry with its `kind`, as the journal would write it, without
 * building the entry: the repeating parts (checks, released items) come from their memoised
 * texts and the rest is concatenated in JCS key order. Every release pays for this, so it is
 * worth not allocating and walking the entry object each time; a property test holds it to
 * the general path.
 */
export function decisionEntryText(r: DecisionRow): string {
  // One join, not a chain of `+`: each `+` made a cons string (32 bytes) for the next to point
  // to, and the first use of the text flattened the chain into a copy — about 3 KB of young
  // heap per release for a 1 KB text (release-heap.ts); join sizes the text once and copies once.
  // The pieces go into one module-level array, emptied again after the join so it keeps no
  // entry alive (synchronous and never re-entered: nothing below writes an entry). A field is
  // two pieces, its key and its value: a plain string's quotes are in the keys around it (each
  // key in four forms, `KeyParts`), not pieces of their own nor `'"' + s + '"'` — join copies
  // its pieces into a buffer of its own first, 8 bytes a piece (62 → 36 pieces: ~0.2 KiB).
  const p = PARTS;
  let n = 0;
  open = 0;
  p[n++] = r.allow ? '{"allow":true' : '{"allow":false';
  n = str(p, n, K_ARTICLE, r.article);
  n = plain(p, n, K_AT, isoTime(r.at));
  n = str(p, n, K_BASIS, r.basis === null ? null : (BASIS_TEXT.get(r.basis) ?? r.basis));
  n = json(p, n, K_CHECKS, checkJson.array(r.trace));
  n = str(p, n, K_CODE, r.code);
  n = str(p, n, K_CONSENT, r.consentEventId);
  n = str(p, n, K_DECISION, r.id);
  n = str(p, n, K_DECLARATION, r.declarationId);
  n = str(p, n, K_KIND_NOTICE, r.noticeHash);
  n = str(p, n, K_PURPOSE, r.purpose);
  n = str(p, n, K_RECIPIENT, r.recipient);
  n = str(p, n, K_REGISTRY, r.registryHash);
  n = json(p, n, K_RELEASED, itemJson.array(r.released));
  n = json(p, n, K_REQUESTED, r.requested === null ? 'null' : canonicalJson(r.requested));
  n = r.retentionUntil === null ? str(p, n, K_RETENTION, null) : plain(p, n, K_RETENTION, isoTime(r.retentionUntil));
  n = str(p, n, K_SUBJECT, r.subjectPseudonym);
  n = str(p, n, K_VIA, r.viaDecision);
  p[n++] = open ? '"}' : '}';
  if (n !== p.length) throw new Error(`decision entry: ${n} pieces for ${p.length} slots`);
  const text = p.join('');
  p.fill('');
  return text;
}

/**
 * A key's text (`,"name":`) in the four forms a field's first piece takes: [after a plain string,
 * i.e. with that string's closing quote first][before a plain string, i.e. with its opening quote last].
 */
type KeyParts = readonly [readonly [string, string], readonly [string, string]];
const keyParts = (k: string): KeyParts => [
  [k, k + '"'],
  ['"' + k, '"' + k + '"'],
];
/** 1 while the last piece is a plain string's text, whose closing quote the next piece begins with. */
let open: 0 | 1 = 0;

/** A string field (or null) as two pieces at `n`: its key, with the quotes that fall there, and its text; the next free index. */
function str(p: string[], n: number, k: KeyParts, s: string | null): number {
  if (s !== null && plainAscii(s)) return plain(p, n, k, s);
  p[n] = k[open][0];
  p[n + 1] = s === null ? 'null' : canonicalJson(s);
  open = 0;
  return n + 2;
}

/**
 * A string field known to be its own JSON text in quotes (`str`'s plain case). An ISO time goes
 * here untested: `isoTime` (and `toISOString`, its fallback) writes digits, `-`, `+`, `:`, `.`,
 * `T` and `Z` only. Two pattern tests fewer per release.
 */
function plain(p: string[], n: number, k: KeyParts, s: string): number {
  p[n] = k[open][1];
  p[n + 1] = s;
  open = 1;
  return n + 2;
}

/** A field whose value is JSON text already (an array, null) as two pieces at `n`. */
function json(p: string[], n: number, k: KeyParts, text: string): number {
  p[n] = k[open][0];
  p[n + 1] = text;
  open = 0;
  return n + 2;
}

/**
 * The legal bases as this module's own strings. Array.prototype.join makes a two-byte string
 * when any piece is a ThinString, even if every character is ASCII (V8 tells one-byte pieces
 * by their string type, and a thin string's type is two-byte), where `+` and templates look
 * through it. A basis is a thin string when it came from a structured clone — the registry
 * document from PGlite's worker — and was then used as a property key (V8 internalizes a key
 * in place): on PGlite every release's entry text was two-byte, 2.6 KiB of young heap for the
 * join instead of 1.2, and twice the bytes to walk for its hash and UTF-8 (docs/release-history.md,
 * h-bytes2). The look-up gives the internalized literal for the same text, and allocates nothing.
 */
const BASIS_TEXT: ReadonlyMap<string, string> = new Map(legalBasis.options.map((b) => [b, b]));

const K_ARTICLE = keyParts(',"article":');
const K_AT = keyParts(',"at":');
const K_BASIS = keyParts(',"basis":');
const K_CHECKS = keyParts(',"checks":');
const K_CODE = keyParts(',"code":');
const K_CONSENT = keyParts(',"consent_event_id":');
const K_DECISION = keyParts(',"decision_id":');
const K_DECLARATION = keyParts(',"declaration":');
// `kind` is the same for every decision: its text goes with the next key's.
const K_KIND_NOTICE = keyParts(',"kind":' + canonicalJson(DECISION_KIND) + ',"notice_hash":');
const K_PURPOSE = keyParts(',"purpose":');
const K_RECIPIENT = keyParts(',"recipient":');
const K_REGISTRY = keyParts(',"registry_hash":');
const K_RELEASED = keyParts(',"released":');
const K_REQUESTED = keyParts(',"requested":');
const K_RETENTION = keyParts(',"retention_until":');
const K_SUBJECT = keyParts(',"subject":');
const K_VIA = keyParts(',"via_decision":');
// The opening piece, 17 fields of two pieces each, the closing one.
const PARTS: string[] = Array.from({ length: 36 }, () => '');

/**
 * Printable ASCII without `"` or a backslash: the JSON (and JCS) text of such a string is the string in
 * quotes. Ids, codes and hashes all are (an ISO time always is, so the entry embeds it without
 * asking), and one test of a regular expression costs less than the native stringify and the
 * surrogate scan `canonicalJson` makes for any string — and about half of a loop over the
 * characters (ten fields of a release: 700 → 360 ns in a loop).
 */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const plainAscii = (s: string): boolean => PLAIN_ASCII.test(s);

/** Records a decision and its log entry in one group-commit batch: the one way decisions are written. */
export function appendDecision(journal: Journal, row: DecisionRow): Promise<{ leafIndex: number }> {
  return journal.appendCanonical(DECISION_KIND, row, decisionEntryText(row), subjectOf({ subject: row.subjectPseudonym }));
}

/** `appendDecision` answered through a callback (Journal.appendCanonicalTo): the release path's form. */
export function appendDecisionTo(journal: Journal, row: DecisionRow, settle: Settle<Committed>): void {
  journal.appendCanonicalTo(DECISION_KIND, row, decisionEntryText(row), subjectOf({ subject: row.subjectPseudonym }), settle);
}
