import { CgError } from '../errors.ts';
import type { Decision, ReleasedItem, ReleaseRequest } from '../gate/types.ts';
import type { Issuers } from './issuers.ts';
import { mask } from './mask.ts';

/** One released item as the recipient receives it. */
export interface ReleasedValue {
  readonly category: string;
  readonly form: ReleasedItem['form'];
  readonly value: unknown;
}

export interface AppliedRelease {
  readonly items: readonly ReleasedValue[];
  /** Allowed categories the vault holds no value for: reported, never invented. */
  readonly missing: readonly string[];
}

/**
 * Whether an item's released form is made from its value (plain, masked). A token or a safe
 * number only points at the stored value — redemption and the relay read it from the vault when
 * they need it — so a release decrypts nothing for them, and their plaintext never exists in
 * the release path.
 */
export const formNeedsValue = (form: ReleasedItem['form']): boolean => form === 'plain' || form === 'masked';

/**
 * Turns an allow decision and the subject's decrypted items into what the recipient receives,
 * each in its declared form. Pure except for the issuer calls (tokens, safe numbers).
 * `plaintext` holds the subject's values by category; only allowed categories are read. For an
 * item whose form does not need its value (formNeedsValue), any non-null entry says that a
 * value is stored; it is not read.
 */
export async function applyForms(
  decision: Decision,
  req: Pick<ReleaseRequest, 'recipientId' | 'subject' | 'at'>,
  plaintext: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
  issuers: Issuers,
): Promise<AppliedRelease> {
  return applyFormsNow(decision, req, plaintext, issuers);
}

/**
 * `applyForms` for the release path: the answer itself when no issuer makes it wait (plain and
 * masked items, a cached safe number, a token: nearly every release), a promise of it only from
 * the first issuer that does. Throws where `applyForms` rejects. An async function and its await
 * per release (its state object, register file, promise, and the caller's await of it: ~0.6 KiB
 * of young heap) are then made only when something is waited for. Items are made in the same
 * order either way: an issuer is asked for item k + 1 only once item k's value is there.
 */
export function applyFormsNow(
  decision: Decision,
  req: Pick<ReleaseRequest, 'recipientId' | 'subject' | 'at'>,
  plaintext: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
  issuers: Issuers,
): AppliedRelease | Promise<AppliedRelease> {
  if (!decision.allow) throw new CgError('RELEASE_DENIED', `cannot apply forms to a denied release (${decision.code})`, 403);
  return formsFrom({ decision, req, plaintext, issuers, items: [], missing: [] }, 0);
}

/** One release's forms being made: what they are made from, and what is made so far. */
interface FormsRun {
  readonly decision: Extract<Decision, { allow: true }>;
  readonly req: Pick<ReleaseRequest, 'recipientId' | 'subject' | 'at'>;
  readonly plaintext: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;
  readonly issuers: Issuers;
  readonly items: ReleasedValue[];
  readonly missing: string[];
}

/** Items `from` on into the run's `items` and `missing` (see applyFormsNow). */
function formsFrom(run: FormsRun, from: number): AppliedRelease | Promise<AppliedRelease> {
  const { decision, req, plaintext, issuers, items, missing } = run;
  // Indexed, not for-of: the gate's item lists are frozen arrays, over which for-of is not
  // optimised away (an iterator result object per item, ~0.2 KiB per release).
  const list = decision.items;
  for (let k = from; k < list.length; k++) {
    const it = list[k]!;
    const value = valueOf(plaintext, it.category);
    if (value === undefined || value === null) {
      missing.push(it.category);
      continue;
    }
    // Plain and masked values are made here and now; only an issuer (token, safe number) may be waited for.
    if (it.form === 'plain') items.push({ category: it.category, form: it.form, value });
    // An item without a known format is fully redacted rather than guessed at.
    else if (it.form === 'masked') items.push({ category: it.category, form: it.form, value: mask(it.format ?? 'text', value) });
    else {
      const issue = {
        recipientId: req.recipientId,
        subject: req.subject,
        category: it.category,
        declarationId: decision.declarationId,
        at: req.at,
        expiresAt: decision.retentionEndsAt,
      };
      const made = issued(it, issue, issuers);
      if (typeof made !== 'string') return formsAfter(made, run, k);
      items.push({ category: it.category, form: it.form, value: made });
    }
  }
  return { items, missing };
}

/** Item k's issued value once it is there, then the rest (formsFrom). */
async function formsAfter(made: Promise<string>, run: FormsRun, k: number): Promise<AppliedRelease> {
  const it = run.decision.items[k]!;
  run.items.push({ category: it.category, form: it.form, value: await made });
  return formsFrom(run, k + 1);
}

/**
 * A module-level function, not a closure made per call: the tsx loader `npm start` runs names
 * every inner named closure as it is made (esbuild's keepNames), which costs a defineProperty,
 * a dictionary-mode function and ~0.4 µs per release.
 */
function valueOf(plaintext: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>, c: string): unknown {
  return plaintext instanceof Map ? plaintext.get(c) : Object.hasOwn(plaintext, c) ? (plaintext as Record<string, unknown>)[c] : undefined;
}

function issued(it: ReleasedItem, issue: Parameters<Issuers['tokens']['issueToken']>[0], issuers: Issuers): string | Promise<string> {
  switch (it.form) {
    case 'plain':
    case 'masked':
      throw new Error(`${it.form} is not an issued form`);
    case 'token':
      return issuers.tokens.issueToken(issue);
    case 'safe_number': {
      // The format is the registry's: a relay exists for contact categories only (their values
      // are vault strings; the relay checks the real one when it routes).
      if (it.format !== 'phone' && it.format !== 'email') {
        // A relay exists only for phone numbers and e-mail; anything else must not leave in plain.
        throw new CgError('UNSUPPORTED_FORM', `safe_number needs a phone or email value, ${it.category} is ${it.format ?? 'unknown'}`, 500, [
          { code: 'UNSUPPORTED_FORM', message: 'safe_number on a non-contact category', path: it.category },
        ]);
      }
      // Written out, not `{ ...issue, kind }`: a spread then a new key made this object the slow
      // way on every release (a runtime call per property, and loads from it missing their cache).
      return issuers.safeNumbers.issueSafeNumber({
        recipientId: issue.recipientId,
        subject: issue.subject,
        category: issue.category,
        declarationId: issue.declarationId,
        at: issue.at,
        expiresAt: issue.expiresAt,
        kind: it.format,
      });
    }
  }
}
