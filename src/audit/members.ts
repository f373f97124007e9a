import { MEMBER_COLUMNS, isBadRow, validateMember } from '../core/audit/record.ts';
import type { Member } from '../core/audit/types.ts';
import { CgError } from '../core/errors.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import { headerIndex, parseCsvLine } from './csv.ts';
import { openInput, rowError } from './input.ts';
import { strictLines } from './lines.ts';

/**
 * Loads class members (CSV `recipient_id,class,country` with a header). Reference data: any bad
 * line is fatal, as is a class the registry does not declare or an id used twice.
 */
export const MAX_MEMBERS = 1_000_000;

export async function loadMembers(file: string, registry: RegistryModel): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  const { stream } = openInput(file, 'members file');
  let columns: number[] | undefined;
  for await (const [line, text] of strictLines(stream, (line) => rowError('INVALID_MEMBER', file, line, undefined, 'line is too long'))) {
    const fields = parseCsvLine(text);
    if (!Array.isArray(fields)) throw rowError('INVALID_MEMBER', file, line, undefined, fields.error);
    if (!columns) {
      const idx = headerIndex(fields);
      const missing = MEMBER_COLUMNS.filter((c) => !idx.has(c));
      if (missing.length > 0) throw rowError('MISSING_COLUMN', file, line, missing[0], `missing column "${missing[0]}" (need ${MEMBER_COLUMNS.join(',')})`);
      columns = MEMBER_COLUMNS.map((c) => idx.get(c)!);
      continue;
    }
    const [a, b, c] = columns as [number, number, number];
    const m = validateMember(line, { recipient_id: fields[a], class: fields[b], country: fields[c] });
    if (isBadRow(m)) throw rowError('INVALID_MEMBER', file, line, m.field, m.message);
    const party = registry.parties.get(m.classId);
    if (party?.kind !== 'class') throw rowError('UNKNOWN_CLASS', file, line, 'class', `"${m.classId}" is not a recipient class of the registry`);
    if (registry.parties.has(m.id)) throw rowError('DUPLICATE_MEMBER', file, line, 'recipient_id', `"${m.id}" is already a registry recipient or class`);
    const prior = members.get(m.id);
    if (prior) throw rowError('DUPLICATE_MEMBER', file, line, 'recipient_id', `"${m.id}" is already listed on line ${prior.line}`);
    if (members.size >= MAX_MEMBERS) throw new CgError('TOO_MANY_MEMBERS', `${file}: more than ${MAX_MEMBERS} members`, 413);
    members.set(m.id, m);
  }
  return members;
}
