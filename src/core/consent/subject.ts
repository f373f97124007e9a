import type { Operator } from '../registry/schema.ts';
import type { Jurisdiction } from '../registry/schema.ts';

/** A data subject as the consent ledger knows them. The id is the operator's customer id. */
export interface SubjectRecord {
  readonly id: string;
  readonly pseudonym: string;
  readonly jurisdiction: Jurisdiction;
  /** YYYY-MM-DD, when known: age is computed at each grant, so a child grows out of it. */
  readonly birthDate: string | null;
  /** Set instead of a birth date when the operator only knows "child or not". */
  readonly isChild: boolean | null;
  readonly guardian: Readonly<Record<string, string>> | null;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms of erasure (rights helper's `erased_at`), null while the subject exists. */
  readonly erasedAt: number | null;
}

/** Full years between a YYYY-MM-DD birth date and `at` (epoch ms), in UTC. */
export function ageAt(birthDate: string, at: number): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const now = new Date(at);
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age;
}

/**
 * Whether a guardian must consent for this subject now: under `kr_age` (14, PIPA 22-2) for
 * Korean subjects, under `gdpr_age` (13–16, GDPR 8) for EU subjects. An explicit flag wins
 * over a missing birth date; a birth date wins over the flag because it stays true over time.
 */
export function needsGuardian(s: SubjectRecord, op: Operator, at: number): boolean {
  const limit = s.jurisdiction === 'KR' ? op.children.kr_age : op.children.gdpr_age;
  if (s.birthDate) return ageAt(s.birthDate, at) < limit;
  return s.isChild === true;
}
