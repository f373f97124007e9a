/**
 * Latin-letter words of a visible Korean text that are not on `allowed`: what a Korean page must
 * not show (docs/legal/korean-text.md). URLs, e-mail addresses and 64-hex content hashes are removed
 * first; country codes and brand names go on the allow-list of each test, explicitly.
 */
export function englishWords(text: string, allowed: ReadonlySet<string>): string[] {
  const stripped = text
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' ')
    .replace(/\b[0-9a-f]{64}\b/g, ' ');
  return [...new Set(stripped.match(/[A-Za-z][A-Za-z'’-]*/g) ?? [])].filter((w) => !allowed.has(w));
}
