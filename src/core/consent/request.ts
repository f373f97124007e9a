import { z } from 'zod';
import { isoDateTime } from '../time/date-range.ts';

/**
 * What a client sends to grant, refuse or withdraw consent. Shared by the HTTP routes (which
 * validate with these schemas) and the service (which trusts their output types).
 */
const id = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/);
/** A choice: a declaration id (the provision consent) or `<declaration id>:transfer` (the overseas-transfer consent). */
const choiceId = z.string().min(1).max(73).regex(/^[a-z0-9][a-z0-9_.-]{0,63}(:transfer)?$/, 'a declaration id, or a declaration id with ":transfer"');
/** Client idempotency ids: a retry with the same id gets the same receipt, and no second event. */
export const eventIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{7,79}$/, '8–80 letters, digits, "_", ".", ":" or "-"');
export const memberIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/);
const evidence = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/), z.string().max(500))
  .refine((r) => Object.keys(r).length <= 20, 'at most 20 evidence fields')
  .default({});
const channel = z.enum(['web', 'app', 'api', 'phone', 'in_person', 'paper']).default('api');

export const guardianSchema = z.strictObject({
  /** The operator attests that the guardian's identity and authority were verified (PIPA 22-2; GDPR 8(2)). */
  verified: z.literal(true),
  method: z.string().min(1).max(200),
  /** Reference of the verification (e.g. the identity-verification transaction id). */
  reference: z.string().min(1).max(200),
  relationship: z.string().min(1).max(50).optional(),
});

export const grantRequestSchema = z.strictObject({
  noticeHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest'),
  channel,
  decisions: z
    .array(
      z.strictObject({
        declarationId: choiceId,
        /** true = consent, false = refuse (recorded, and withdraws an earlier grant). */
        grant: z.boolean(),
        eventId: eventIdSchema.optional(),
        /** Scope the decision to one recipient (the seller of one order); required to grant a class's declaration (RECIPIENT_REQUIRED). */
        recipientId: memberIdSchema.optional(),
        expiresAt: isoDateTime().optional(),
      }),
    )
    .min(1)
    .max(100),
  guardian: guardianSchema.optional(),
  evidence,
});
export type GrantRequest = z.output<typeof grantRequestSchema>;

export const withdrawRequestSchema = z.strictObject({
  /** Omitted = every declaration with consent on record: withdrawal of everything in one call. */
  declarationIds: z.array(choiceId).min(1).max(100).optional(),
  recipientId: memberIdSchema.optional(),
  /** Idempotency id of the first event; further events of the same call get `.1`, `.2`, … */
  eventId: eventIdSchema.optional(),
  channel,
  evidence,
});
export type WithdrawRequest = z.output<typeof withdrawRequestSchema>;
