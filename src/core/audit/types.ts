import type { DenyCode } from '../gate/types.ts';

/**
 * The audit replay's vocabulary. Codes are the gate's deny codes (same names, same meaning), so a
 * replayed log and a live gate speak one language; replay uses the subset a share log can show.
 * The order is the gate's `DENY_CODES` order, and a verdict lists its codes in this order.
 */
export const AUDIT_CODES = [
  'UNDECLARED_RECIPIENT',
  'UNDECLARED_PURPOSE',
  'UNDECLARED_ITEMS',
  'NO_CONSENT',
  'CONSENT_WITHDRAWN',
  'NO_TRANSFER_GROUND',
  'RETENTION_EXPIRED',
  /** The declaration's legal basis cannot carry the share (law packs: PIPA 17(1), 26; GDPR 6). */
  'NO_LEGAL_BASIS',
] as const satisfies readonly DenyCode[];
export type AuditCode = (typeof AUDIT_CODES)[number];

/** One legacy share record: `subject`'s `items` went to `recipient` for `purpose` at `at`. */
export interface ShareRecord {
  /** 1-based line in the source file. */
  readonly line: number;
  /** Epoch ms. */
  readonly at: number;
  readonly subject: string;
  readonly recipient: string;
  readonly purpose: string;
  readonly items: readonly string[];
  /** ISO 3166-1 alpha-2 as logged, when the log records it. */
  readonly country?: string;
}

export interface ConsentEvent {
  readonly line: number;
  readonly at: number;
  readonly subject: string;
  readonly action: 'grant' | 'withdraw';
  readonly declaration: string;
  /** Absent: the event covers every recipient of the declaration. */
  readonly recipient?: string;
}

/** An individual recipient registered under a recipient class (e.g. one seller). */
export interface Member {
  readonly line: number;
  readonly id: string;
  readonly classId: string;
  readonly country: string;
}

/** A row that could not be read; the run goes on and reports it. */
export interface BadRow {
  readonly line: number;
  /** Set when the problem has its own error code (e.g. UNKNOWN_DECLARATION). */
  readonly code?: string;
  readonly field?: string;
  readonly message: string;
}

/** The judgement of one record: every code that applies, in evaluation order. */
export interface Verdict {
  readonly codes: readonly AuditCode[];
  /** The declaration the record was judged against, when one matched. */
  readonly declarationId?: string;
  /** Recipient class of a member recipient. */
  readonly classId?: string;
  /** The destination country used for the transfer check: the logged one, else the registry's/member's. */
  readonly country?: string;
  /** The declaration's retention runs from the end of the contract, which a share log cannot show. */
  readonly retentionUnchecked: boolean;
  /**
   * Id of the law version in force on the record's date that judged it (`LawVersion.id`, e.g.
   * `PIPA-2020`, `PIPA-2023`), or `none` before the oldest version the pack carries.
   */
  readonly law: string;
}
