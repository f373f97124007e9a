import type { FieldPath } from '../../errors.ts';
import { hasKorean, type LocalText } from '../../registry/local-text.ts';
import type { RegistryModel } from '../../registry/model.ts';
import { defineRule, finding, type RuleFinding, type RuleMeta } from '../rule.ts';

const meta: RuleMeta = {
  code: 'KO_TEXT_MISSING',
  severity: 'error',
  articles: ['PIPA 22', 'PIPA 17(2)', 'PIPA 28-8(2)'],
  title: 'Every text a Korean subject is told has a Korean version',
  description:
    'When the operator serves Korean residents (`operator.jurisdictions` has KR), every human text of the registry that a notice, ' +
    'the consent widget or the privacy centre shows — the operator’s and recipients’ names and addresses, contacts, the timing and ' +
    'method of a transfer abroad, the law it rests on, the guardian-consent method — has a Korean text: `{ ko, en }`, or a plain ' +
    'string written in Korean. Consent asked in a language the subject may not read is not asked "clearly" (PIPA 22(1), 22(2); the ' +
    'PIPC’s guidance on easy-to-read consent notices), and the 17(2) and 28-8(2) items are not told. Reading: docs/legal/korean-text.md.',
};

/** Every subject-facing localised text of the registry, with its path. */
export function subjectTexts(model: RegistryModel): Array<{ path: FieldPath; text: LocalText }> {
  const out: Array<{ path: FieldPath; text: LocalText }> = [];
  const add = (path: FieldPath, t: LocalText | undefined) => {
    if (t !== undefined) out.push({ path, text: t });
  };
  const op = model.doc.operator;
  add(['operator', 'legal_name'], op.legal_name);
  add(['operator', 'address'], op.address);
  add(['operator', 'privacy_officer', 'name'], op.privacy_officer.name);
  op.domestic_agents.forEach((a, i) => {
    add(['operator', 'domestic_agents', i, 'name'], a.name);
    add(['operator', 'domestic_agents', i, 'address'], a.address);
  });
  add(['operator', 'children', 'guardian_consent_method'], op.children.guardian_consent_method);
  for (const key of ['recipients', 'recipient_classes'] as const) {
    model.doc[key].forEach((r, i) => {
      add([key, i, 'name'], r.name);
      add([key, i, 'contact', 'name'], r.contact.name);
      add([key, i, 'contact', 'address'], r.contact.address);
    });
  }
  model.doc.declarations.forEach((d, i) => {
    add(['declarations', i, 'transfer', 'timing'], d.transfer?.timing);
    add(['declarations', i, 'transfer', 'method'], d.transfer?.method);
    add(['declarations', i, 'transfer', 'instrument'], d.transfer?.instrument);
  });
  return out;
}

/** PIPA 22, 17(2), 28-8(2): Korean subjects are told in Korean. */
export function koreanTexts(model: RegistryModel): RuleFinding[] {
  if (!model.operator.jurisdictions.includes('KR')) return [];
  return subjectTexts(model)
    .filter(({ text }) => !hasKorean(text))
    .map(({ path, text }) => {
      const shown = typeof text === 'string' ? text : (text.en ?? '');
      return finding(
        meta,
        path,
        `"${shown}" has no Korean text, but Korean residents are served: write { ko, en } (a plain string counts as Korean only when written in Hangul)`,
        `"${shown}"에 한국어 문구가 없습니다. 국내 정보주체에게 알리는 내용이므로 { ko, en } 형식으로 한국어 문구를 작성하십시오`,
      );
    });
}

export const koreanTextRule = defineRule(meta, koreanTexts);
