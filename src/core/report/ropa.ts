import { transferVerdict } from '../law/verdicts.ts';
import { text } from '../registry/local-text.ts';
import { basisLabel, carryingGround, groundLabel, retentionLabel, t } from './i18n.ts';
import { declarationItems, declarationsWithParty, itemsLabel, partyName, purposeLabel } from './labels.ts';
import type { ReportContext, ReportSource, Section } from './model.ts';

/**
 * GDPR Art. 30(1) record of processing activities, one row per purpose: (a) controller,
 * representative and officer; (b) purposes; (c) subjects and data; (d) recipients; (e) third-
 * country transfers and safeguards; (f) retention; (g) security (not in the registry: said so).
 */
export const ropaSource: ReportSource = {
  id: 'ropa',
  build(ctx: ReportContext): Section[] {
    const { registry: m, lang } = ctx;
    const op = m.operator;
    const rep = op.domestic_agents.find((a) => a.jurisdiction === 'EU');
    const facts: Array<[string, string]> = [
      [t(lang, 'controller'), [text(op.legal_name, lang), text(op.address, lang), op.privacy_policy_url].filter(Boolean).join(', ')],
      [t(lang, 'representative'), rep ? [text(rep.name, lang), text(rep.address, lang), rep.email].filter(Boolean).join(', ') : t(lang, 'none')],
      [t(lang, 'dpo'), `${text(op.privacy_officer.name, lang)}, ${op.privacy_officer.email}, ${op.privacy_officer.phone}`],
      [t(lang, 'subjects_cat'), t(lang, 'subjects_value')],
    ];
    const decls = declarationsWithParty(m);
    const rows = m.doc.purposes.map((p) => {
      const own = decls.filter(({ d }) => d.purpose === p.id);
      const recipients = own.map(({ d, party }) => `${partyName(party, lang)} (${basisLabel(lang, d.legal_basis)})`).join('; ') || t(lang, 'none');
      const abroad = own.flatMap(({ d, party }) =>
        m.destinationCountries(d)
          .filter((c) => m.isOverseas(c, 'EU'))
          .map((c) => {
            const v = transferVerdict(m, d, party, c, 'EU');
            const ok = v.ok;
            // What carries the transfer: the adequacy decision, SCCs or BCRs when they do, else the declared ground.
            const ground = carryingGround(d.transfer?.ground, v);
            return `${c}: ${partyName(party, lang)} — ${groundLabel(lang, ground)}${ok ? '' : ` (${t(lang, 'valid')}: ${t(lang, 'no')})`}`;
          }),
      );
      const retention = own.map(({ d, party }) => `${partyName(party, lang)}: ${retentionLabel(lang, d.retention)}`).join('; ') || '—';
      const collectionBasis = p.required ? basisLabel(lang, 'contract_necessity') : basisLabel(lang, 'consent');
      const items = [...new Set([...p.items, ...own.flatMap(({ d }) => declarationItems(d))])];
      return [purposeLabel(m, lang, p.id), collectionBasis, itemsLabel(m, lang, items), recipients, abroad.join('; ') || t(lang, 'none'), retention];
    });
    return [
      {
        id: 'ropa',
        title: t(lang, 'ropa'),
        articles: ['GDPR 30'],
        blocks: [
          { kind: 'facts', items: facts },
          { kind: 'table', caption: t(lang, 'ropa'), columns: [t(lang, 'purpose'), t(lang, 'basis'), t(lang, 'items'), t(lang, 'recipients'), t(lang, 'third_country'), t(lang, 'retention')], rows },
          { kind: 'facts', items: [[t(lang, 'security'), t(lang, 'security_text')]] },
        ],
      },
    ];
  },
};
