/**
 * One line of a mapping report: something the mapping could not carry over, or had to assume.
 * `at` names the source (`file: system[0].privacy_declarations[1]` on import, a registry path on
 * export); `why` is the reason a person acts on.
 */
export interface MappingNote {
  readonly kind: 'unmapped' | 'assumed' | 'placeholder';
  readonly at: string;
  readonly what: string;
  readonly why: string;
}

export function formatNotes(title: string, notes: readonly MappingNote[]): string {
  if (notes.length === 0) return `${title}: everything mapped.\n`;
  const lines = notes.map((n) => `  ${n.kind.padEnd(11)} ${n.at}: ${n.what} — ${n.why}`);
  return `${title}: ${notes.length} note(s)\n${lines.join('\n')}\n`;
}
