import { canonicalJson } from '../canonical.ts';
import { b64u, fromB64u, sign, signAsync, verify, type PublicKeyInfo, type SigningKey } from '../crypto/ed25519.ts';
import type { Jurisdiction } from '../registry/schema.ts';
import type { Notice, NoticeDeclaration, NoticeText, Text } from '../notice/types.ts';
import type { ConsentAction, ConsentActor } from './events.ts';
import { parseChoice, type ChoiceKind } from './choice.ts';
import { sharedText, shareReceiptPart } from './receipt-parts.ts';

export { shareReceiptPart };

/**
 * Consent receipts: the subject's (and a regulator's) proof of one consent request, with the
 * fields of ISO/IEC TS 27560 and the Kantara Consent Receipt 1.1 — who the controller is, what
 * was consented to or withdrawn, which notice version the subject saw, and where the decision
 * sits in the transparency log. Signed with Ed25519 over the JCS form of everything except the
 * signature value, so the key id and algorithm are covered too: any change fails verification.
 */
export const RECEIPT_SCHEMA = 'consentgate.receipt/1';
export const RECEIPT_VERSION = 'ISO/IEC TS 27560:2023; Kantara CR v1.1';

export interface ReceiptConsent {
  readonly eventId: string;
  readonly action: ConsentAction;
  /**
   * Which consent: the provision (`declarationId` is the declaration's) or the separate overseas
   * transfer (`<declaration id>:transfer`, PIPA 28-8(1)1); absent on objections.
   */
  readonly choice?: ChoiceKind;
  readonly declarationId: string | null;
  readonly purpose: { readonly id: string; readonly label: Text; readonly required: boolean };
  readonly legalBasis: string;
  readonly recipient: {
    readonly id: string;
    readonly name: NoticeText;
    readonly role: string;
    readonly countries: readonly string[];
    /** The member of a class the notice named (PIPA 17(2)1): legal name, country, contact. */
    readonly member?: { readonly contact: Readonly<Record<string, string>>; readonly country: string; readonly id: string; readonly name: string };
    /** The one member this decision is scoped to, if any. */
    readonly scope: string | null;
  } | null;
  readonly items: readonly string[];
  readonly retention: { readonly duration: string; readonly from?: string; readonly text: Text } | null;
  readonly transfer: { readonly countries: readonly string[]; readonly ground: string; readonly timing: NoticeText; readonly method: NoticeText; readonly safeguards: readonly string[] } | null;
  readonly noticeHash: string | null;
  /** ISO 8601, or null when the grant lasts until withdrawn. */
  readonly expiresAt: string | null;
}

export interface UnsignedReceipt {
  readonly schema: typeof RECEIPT_SCHEMA;
  readonly version: typeof RECEIPT_VERSION;
  readonly receiptId: string;
  readonly issuedAt: string;
  readonly jurisdiction: Jurisdiction;
  readonly controller: {
    readonly name: NoticeText;
    readonly country: string;
    readonly address: NoticeText | null;
    readonly contact: { readonly name: NoticeText; readonly email: string; readonly phone: string };
    readonly privacyPolicy: string | null;
  };
  readonly subject: { readonly pseudonym: string };
  readonly collection: {
    readonly channel: string;
    readonly actor: ConsentActor;
    readonly collectionPoint: string | null;
    readonly noticeHash: string | null;
  };
  readonly consents: readonly ReceiptConsent[];
  readonly withdrawal: { readonly how: Text; readonly endpoint: string; readonly contact: string };
  readonly ledger: { readonly leafIndex: number };
}

export interface ReceiptSignature {
  readonly alg: 'Ed25519';
  readonly kid: string;
  readonly value: string;
}

export interface SignedReceipt extends UnsignedReceipt {
  readonly signature: ReceiptSignature;
}

/** The consent part of a receipt from the notice entry the decision was made on. */
export function receiptConsent(
  e: { eventId: string; action: ConsentAction; declarationId: string | null; purposeId: string; recipientId: string | null; items: readonly string[]; noticeHash: string | null; expiresAt: number | null },
  shown: NoticeDeclaration | undefined,
  purposeLabel: Text,
  required: boolean,
): ReceiptConsent {
  const fixed = shown ? fixedParts(shown) : undefined;
  const choice = e.declarationId === null || e.action === 'object' ? undefined : parseChoice(e.declarationId).kind;
  const m = shown?.recipient.member;
  // Keys in JCS order (see signingInput).
  return {
    action: e.action,
    ...(choice ? { choice } : {}),
    declarationId: e.declarationId,
    eventId: e.eventId,
    expiresAt: e.expiresAt === null ? null : new Date(e.expiresAt).toISOString(),
    items: [...e.items],
    // The transfer choice rests on consent whatever the provision's basis (PIPA 28-8(1)1).
    legalBasis: e.action === 'object' ? 'objection' : choice === 'transfer' ? 'consent' : (shown?.legalBasis ?? 'consent'),
    noticeHash: e.noticeHash,
    purpose: { id: e.purposeId, label: fixed?.label ?? purposeLabel, required: shown?.required ?? required },
    recipient: shown
      ? {
          countries: fixed!.countries,
          id: shown.recipient.id,
          ...(m ? { member: { contact: sortedContact(m.contact), country: m.country, id: m.id, name: m.name } } : {}),
          name: shown.recipient.name,
          role: shown.recipient.role,
          scope: e.recipientId,
        }
      : null,
    retention: fixed ? fixed.retention : null,
    transfer: fixed ? fixed.transfer : null,
  };
}

function sortedContact(contact: object): Record<string, string> {
  const c = contact as Record<string, string | undefined>;
  const out: Record<string, string> = {};
  for (const k of Object.keys(c).sort()) if (c[k] !== undefined) out[k] = c[k]!;
  return out;
}

interface FixedParts {
  readonly label: Text;
  readonly countries: readonly string[];
  readonly retention: ReceiptConsent['retention'];
  readonly transfer: ReceiptConsent['transfer'];
}

const fixedByDeclaration = new WeakMap<NoticeDeclaration, FixedParts>();

/**
 * What a notice declaration contributes to every receipt made on it, copied once and shared
 * (see `shareReceiptPart`). Notices are content-addressed and never change, and the copies
 * are frozen, so every receipt shows — and its signature covers — the notice as first seen.
 */
function fixedParts(shown: NoticeDeclaration): FixedParts {
  let f = fixedByDeclaration.get(shown);
  if (!f) {
    const t = shown.transfer;
    f = {
      label: shareReceiptPart(structuredClone(shown.purpose)),
      countries: shareReceiptPart(structuredClone(shown.recipient.countries)),
      retention: shareReceiptPart(structuredClone(shown.retention)),
      transfer: t
        ? shareReceiptPart(structuredClone({ countries: t.countries, ground: t.ground, timing: t.timing, method: t.method, safeguards: t.safeguards }))
        : null,
    };
    fixedByDeclaration.set(shown, f);
  }
  return f;
}

/** `canonicalJson(v)`, taking the text of shared parts from the cache. */
export function canonicalWithShared(v: unknown): string {
  return canonicalJson(v, sharedText);
}

export function receiptController(n: Pick<Notice, 'controller'>): UnsignedReceipt['controller'] {
  const c = n.controller;
  return {
    name: c.name,
    country: c.country,
    address: c.address ?? null,
    contact: { name: c.privacyOfficer.name, email: c.privacyOfficer.email, phone: c.privacyOfficer.phone },
    privacyPolicy: c.privacyPolicyUrl ?? null,
  };
}

function signingInput(r: UnsignedReceipt, alg: string, kid: string): string {
  // Members in JCS order at the top; receipts build their nested objects in that order too
  // (receiptConsent, shareReceiptPart), so the canonical form is one native JSON.stringify.
  const all: Record<string, unknown> = { ...r, signature: { alg, kid } };
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(all).sort()) sorted[k] = all[k];
  return canonicalWithShared(sorted);
}

export function signReceipt(r: UnsignedReceipt, key: SigningKey): SignedReceipt {
  const { body, input } = toSign(r, key);
  return { ...body, signature: { alg: 'Ed25519', kid: key.kid, value: b64u(sign(key, input)) } };
}

/** `signReceipt` with the signing itself on the thread pool (see `signAsync`). */
export async function signReceiptAsync(r: UnsignedReceipt, key: SigningKey): Promise<SignedReceipt> {
  const { body, input } = toSign(r, key);
  return { ...body, signature: { alg: 'Ed25519', kid: key.kid, value: b64u(await signAsync(key, input)) } };
}

function toSign(r: UnsignedReceipt, key: SigningKey): { body: UnsignedReceipt; input: Uint8Array } {
  const { signature: _drop, ...body } = r as SignedReceipt;
  // Bytes, not the string: the signer's own UTF-8 step copies twice (TextEncoder, then a new array).
  return { body, input: Buffer.from(signingInput(body, 'Ed25519', key.kid), 'utf8') };
}

export type VerifyResult = { readonly valid: true; readonly kid: string } | { readonly valid: false; readonly reason: string };

/**
 * Verifies offline against one public key or a key set (as served at /v1/keys). Retired keys
 * still verify: rotation stops new signatures, it does not void old receipts.
 */
export function verifyReceipt(receipt: unknown, keys: readonly PublicKeyInfo[] | Uint8Array): VerifyResult {
  if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) return { valid: false, reason: 'not a receipt object' };
  const { signature, ...body } = receipt as Record<string, unknown>;
  if (typeof signature !== 'object' || signature === null) return { valid: false, reason: 'no signature' };
  const sig = signature as Record<string, unknown>;
  if (Object.keys(sig).sort().join() !== 'alg,kid,value') return { valid: false, reason: 'signature has unexpected fields' };
  if (sig.alg !== 'Ed25519' || typeof sig.kid !== 'string' || typeof sig.value !== 'string') {
    return { valid: false, reason: 'unsupported or malformed signature' };
  }
  let publicKey: Uint8Array;
  if (keys instanceof Uint8Array) publicKey = keys;
  else {
    const k = keys.find((x) => x.kid === sig.kid);
    if (!k) return { valid: false, reason: `no key with id ${sig.kid}` };
    publicKey = fromB64u(k.publicKey);
  }
  // Canonical base64url only: the last character of 64 bytes carries 4 spare bits, and a
  // signature string that decodes to the same bytes would otherwise still "verify".
  const sigBytes = fromB64u(sig.value);
  if (sigBytes.length !== 64 || b64u(sigBytes) !== sig.value) return { valid: false, reason: 'malformed signature value' };
  let input: string;
  try {
    input = signingInput(body as unknown as UnsignedReceipt, sig.alg, sig.kid);
  } catch {
    return { valid: false, reason: 'receipt is not JSON-serialisable' };
  }
  return verify(publicKey, input, sigBytes) ? { valid: true, kid: sig.kid } : { valid: false, reason: 'signature does not match' };
}
