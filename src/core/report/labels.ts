import type { Party, RegistryModel } from '../registry/model.ts';
import type { Declaration } from '../registry/schema.ts';
import type { Lang } from './model.ts';

/** Registry ids rendered as the labels a reader sees. */
export const categoryLabel = (m: RegistryModel, lang: Lang, id: string) => m.categories.get(id)?.labels[lang] ?? id;
export const purposeLabel = (m: RegistryModel, lang: Lang, id: string) => m.purposes.get(id)?.labels[lang] ?? id;
export const itemsLabel = (m: RegistryModel, lang: Lang, ids: readonly string[]) => ids.map((i) => categoryLabel(m, lang, i)).join(', ');
export const declarationItems = (d: Declaration) => d.items.map((i) => i.category);

export function contactLabel(p: Party): string {
  const c = p.contact;
  return [c.name, c.email, c.phone, c.address, c.url].filter(Boolean).join(', ');
}

/** Declarations with their party, in registry order (parties always resolve after parseRegistry). */
export function declarationsWithParty(m: RegistryModel): Array<{ d: Declaration; party: Party }> {
  return m.doc.declarations.flatMap((d) => {
    const party = m.parties.get(d.recipient);
    return party ? [{ d, party }] : [];
  });
}
