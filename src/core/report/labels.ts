import type { Party, RegistryModel } from '../registry/model.ts';
import { text } from '../registry/local-text.ts';
import type { Declaration } from '../registry/schema.ts';
import type { Lang } from './model.ts';

/** Registry ids rendered as the labels a reader sees. */
export const categoryLabel = (m: RegistryModel, lang: Lang, id: string) => m.categories.get(id)?.labels[lang] ?? id;
export const purposeLabel = (m: RegistryModel, lang: Lang, id: string) => m.purposes.get(id)?.labels[lang] ?? id;
export const itemsLabel = (m: RegistryModel, lang: Lang, ids: readonly string[]) => ids.map((i) => categoryLabel(m, lang, i)).join(', ');
export const declarationItems = (d: Declaration) => d.items.map((i) => i.category);

/** A party's name in the reader's language. */
export const partyName = (p: Party, lang: Lang) => text(p.name, lang);

export function contactLabel(p: Party, lang: Lang): string {
  const c = p.contact;
  return [text(c.name, lang), c.email, c.phone, text(c.address, lang), c.url].filter(Boolean).join(', ');
}

/** Declarations with their party, in registry order (parties always resolve after parseRegistry). */
export function declarationsWithParty(m: RegistryModel): Array<{ d: Declaration; party: Party }> {
  return m.doc.declarations.flatMap((d) => {
    const party = m.parties.get(d.recipient);
    return party ? [{ d, party }] : [];
  });
}
