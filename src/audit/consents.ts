import { ConsentHistory } from '../core/audit/consent-history.ts';
import { isBadRow, validateConsent } from '../core/audit/record.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import { openInput, rowError } from './input.ts';
import { strictLines } from './lines.ts';

/**
 * Loads a consent history (JSONL) into memory, indexed per subject and declaration. Unlike share
 * rows, a bad consent line is fatal: silently dropping one withdrawal would turn unlawful shares
 * into lawful ones. Memory is proportional to the number of events (≈150 bytes each).
 */
export const MAX_CONSENT_EVENTS = 10_000_000;

export async function loadConsents(file: string, registry: RegistryModel): Promise<ConsentHistory> {
  const history = new ConsentHistory();
  const { stream } = openInput(file, 'consent history');
  const exists = (id: string) => registry.declarations.has(id);
  for await (const [line, text] of strictLines(stream, (line) => rowError('INVALID_CONSENT', file, line, undefined, 'line is too long'))) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw rowError('INVALID_CONSENT', file, line, undefined, 'not valid JSON');
    }
    const event = validateConsent(line, raw, exists);
    if (isBadRow(event)) throw rowError(event.code ?? 'INVALID_CONSENT', file, line, event.field, event.message);
    if (history.size >= MAX_CONSENT_EVENTS) throw rowError('TOO_MANY_CONSENTS', file, line, undefined, `more than ${MAX_CONSENT_EVENTS} events`);
    history.add(event);
  }
  return history.seal();
}
