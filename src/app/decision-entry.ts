import { canonicalJson } from '../core/canonical.ts';
import { checkJson, checkOf, isoTime, itemJson } from '../store/decision-json.ts';
import { DECISION_KIND, type DecisionRow } from '../store/decisions-repo.ts';
import type { Journal } from '../store/journal.ts';
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
  // The pieces go into one module-level array, a string field as three of them (its quotes
  // apart, so no `'"' + s + '"'` is made: two cons strings per field, ~0.65 KiB per release),
  // and the array is emptied again after the join so it keeps no entry alive. Synchronous and
  // never re-entered (nothing below writes an entry).
  const p = PARTS;
  let n = 0;
  p[n++] = r.allow ? '{"allow":true' : '{"allow":false';
  p[n++] = ',"article":';
  n = put(p, n, r.article);
  p[n++] = ',"at":"';
  p[n++] = isoTime(r.at);
  p[n++] = '","basis":';
  n = put(p, n, r.basis);
  p[n++] = ',"checks":';
  p[n++] = checkJson.array(r.trace);
  p[n++] = ',"code":';
  n = put(p, n, r.code);
  p[n++] = ',"consent_event_id":';
  n = put(p, n, r.consentEventId);
  p[n++] = ',"decision_id":';
  n = put(p, n, r.id);
  p[n++] = ',"declaration":';
  n = put(p, n, r.declarationId);
  p[n++] = KIND_PART;
  n = put(p, n, r.noticeHash);
  p[n++] = ',"purpose":';
  n = put(p, n, r.purpose);
  p[n++] = ',"recipient":';
  n = put(p, n, r.recipient);
  p[n++] = ',"registry_hash":';
  n = put(p, n, r.registryHash);
  p[n++] = ',"released":';
  p[n++] = itemJson.array(r.released);
  p[n++] = ',"requested":';
  p[n++] = r.requested === null ? 'null' : canonicalJson(r.requested);
  p[n++] = ',"retention_until":';
  if (r.retentionUntil === null) {
    p[n++] = 'null';
    p[n++] = '';
    p[n++] = '';
  } else {
    p[n++] = '"';
    p[n++] = isoTime(r.retentionUntil);
    p[n++] = '"';
  }
  p[n++] = ',"subject":';
  n = put(p, n, r.subjectPseudonym);
  p[n++] = ',"via_decision":';
  n = put(p, n, r.viaDecision);
  p[n++] = '}';
  if (n !== p.length) throw new Error(`decision entry: ${n} pieces for ${p.length} slots`);
  const text = p.join('');
  p.fill('');
  return text;
}

/** A string field's JSON as three pieces at `n` (quote, text, quote; or the whole in the middle piece); the next free index. */
function put(p: string[], n: number, s: string | null): number {
  if (s === null) {
    p[n] = '';
    p[n + 1] = 'null';
    p[n + 2] = '';
  } else if (plainAscii(s)) {
    p[n] = '"';
    p[n + 1] = s;
    p[n + 2] = '"';
  } else {
    p[n] = '';
    p[n + 1] = canonicalJson(s);
    p[n + 2] = '';
  }
  return n + 3;
}

const KIND_PART = ',"kind":' + canonicalJson(DECISION_KIND) + ',"notice_hash":';
// 23 literal pieces, 12 string fields of three pieces each, the retention end's three.
const PARTS: string[] = Array.from({ length: 62 }, () => '');

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
