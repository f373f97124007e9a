/**
 * Choice ids. A consent decision names what it decides on: a declaration id for the provision
 * consent (PIPA 17(1)1, 22(1)), or `<declaration id>:transfer` for the separate consent to the
 * overseas transfer (PIPA 28-8(1)1). The consent ledger keeps the two as separate keys, so
 * granting, refusing and withdrawing one never touches the other.
 */
export const TRANSFER_SUFFIX = ':transfer';

export type ChoiceKind = 'provision' | 'transfer';

export interface Choice {
  /** The declaration the choice belongs to. */
  readonly declarationId: string;
  readonly kind: ChoiceKind;
}

export function transferChoiceId(declarationId: string): string {
  return declarationId + TRANSFER_SUFFIX;
}

/** `sellers_fulfilment:transfer` → the transfer choice of `sellers_fulfilment`; anything else is a provision choice. */
export function parseChoice(id: string): Choice {
  return id.endsWith(TRANSFER_SUFFIX)
    ? { declarationId: id.slice(0, -TRANSFER_SUFFIX.length), kind: 'transfer' }
    : { declarationId: id, kind: 'provision' };
}
