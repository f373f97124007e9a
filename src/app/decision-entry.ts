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
  return [
    '{"allow":', r.allow ? 'true' : 'false',
    ',"article":', str(r.article),
    ',"at":"', isoTime(r.at), '"',
    ',"basis":', str(r.basis),
    ',"checks":', checkJson.array(r.trace),
    ',"code":', str(r.code),
    ',"consent_event_id":', str(r.consentEventId),
    ',"decision_id":', str(r.id),
    ',"declaration":', str(r.declarationId),
    ',"kind":', KIND,
    ',"notice_hash":', str(r.noticeHash),
    ',"purpose":', str(r.purpose),
    ',"recipient":', str(r.recipient),
    ',"registry_hash":', str(r.registryHash),
    ',"released":', itemJson.array(r.released),
    ',"requested":', r.requested === null ? 'null' : canonicalJson(r.requested),
    ',"retention_until":', r.retentionUntil === null ? 'null' : '"' + isoTime(r.retentionUntil) + '"',
    ',"subject":', str(r.subjectPseudonym),
    ',"via_decision":', str(r.viaDecision),
    '}',
  ].join('');
}

const KIND = canonicalJson(DECISION_KIND);
const str = (s: string | null): string => (s === null ? 'null' : plainAscii(s) ? '"' + s + '"' : canonicalJson(s));

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
