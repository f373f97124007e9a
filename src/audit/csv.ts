/**
 * One CSV line (RFC 4180 quoting: `"a,b"`, `"say ""hi"""`) into fields. Unquoted fields are
 * trimmed. A quoted field may not span lines: share logs have no line breaks inside values, and
 * keeping one record per line means every line is either a record or a reported bad row.
 * Returns the fields, or a message saying why the line is not CSV.
 */
export function parseCsvLine(line: string): string[] | { error: string } {
  if (line.indexOf('"') === -1) {
    const fields = line.split(',');
    for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
    return fields;
  }
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return { error: 'unterminated quoted field (a field cannot span lines)' };
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
      if (i < n && line[i] !== ',') return { error: `unexpected character after a closing quote at column ${i + 1}` };
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma === -1 ? n : comma;
      fields.push(line.slice(i, end).trim());
      i = end;
    }
    if (i >= n) return fields;
    i++; // the comma
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

/** Maps header names to column indexes; names are trimmed and lower-cased. */
export function headerIndex(fields: readonly string[]): Map<string, number> {
  const idx = new Map<string, number>();
  fields.forEach((f, i) => {
    const name = f.trim().toLowerCase();
    if (!idx.has(name)) idx.set(name, i);
  });
  return idx;
}
