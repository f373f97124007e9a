import { basisLabel, groundLabel, retentionLabel, t } from './i18n.ts';
import { text } from '../registry/local-text.ts';
import { contactLabel, partyName, declarationItems, declarationsWithParty, itemsLabel, purposeLabel } from './labels.ts';
import type { Block, ReportContext, ReportSource, Section } from './model.ts';

/**
 * The items PIPA 30 requires in a privacy policy, generated from the registry: purposes and
 * items, retention, provision to third parties (17(2)), processors (26), overseas transfers
 * (28-8(2)), rights, the privacy officer (31) and the domestic agent (31-2).
 */
export const privacyPolicySource: ReportSource = {
  id: 'privacy_policy',
  build(ctx: ReportContext): Section[] {
    const { registry: m, lang } = ctx;
    const decls = declarationsWithParty(m);
    const table = (caption: string, columns: string[], rows: Array<Array<string | number>>): Block =>
      rows.length > 0 ? { kind: 'table', caption, columns, rows } : { kind: 'paragraph', text: `${caption}: ${t(lang, 'none')}` };
    const purposes = m.doc.purposes.map((p) => [purposeLabel(m, lang, p.id), itemsLabel(m, lang, p.items), t(lang, p.required ? 'required' : 'optional')]);
    const retention = decls.map(({ d, party }) => [partyName(party, lang), purposeLabel(m, lang, d.purpose), retentionLabel(lang, d.retention)]);
    const third = decls
      .filter(({ party }) => party.role !== 'processor')
      .map(({ d, party }) => [partyName(party, lang), d.recipient_purpose?.[lang] ?? purposeLabel(m, lang, d.purpose), itemsLabel(m, lang, declarationItems(d)), retentionLabel(lang, d.retention), basisLabel(lang, d.legal_basis)]);
    // PIPA 26(2): the entrusted work and the entrustee.
    const processors = decls
      .filter(({ party }) => party.role === 'processor')
      .map(({ d, party }) => [partyName(party, lang), party.entrustment?.work[lang] ?? purposeLabel(m, lang, d.purpose), itemsLabel(m, lang, declarationItems(d))]);
    // PIPA 28-8(2): every item, so that an entrusted transfer (28-8(1)3) is disclosed here in full.
    const overseas = decls.flatMap(({ d, party }) => {
      const countries = m.destinationCountries(d).filter((c) => m.isOverseas(c, 'KR'));
      if (countries.length === 0) return [];
      const timing = [text(d.transfer?.timing, lang), text(d.transfer?.method, lang)].filter(Boolean).join(' / ') || '—';
      const r = d.transfer?.refusal;
      const refusal = r ? `${r.method[lang]} ${r.consequence[lang]}` : d.transfer?.ground === 'consent' ? t(lang, 'refuse_consent') : '—';
      return [[itemsLabel(m, lang, declarationItems(d)), countries.join(', '), timing, `${partyName(party, lang)} (${contactLabel(party, lang)})`, d.recipient_purpose?.[lang] ?? purposeLabel(m, lang, d.purpose), retentionLabel(lang, d.retention), groundLabel(lang, d.transfer?.ground), refusal]];
    });
    const op = m.operator;
    const agent = op.domestic_agents.find((a) => a.jurisdiction === 'KR');
    return [
      {
        id: 'privacy_policy',
        title: t(lang, 'policy'),
        articles: ['PIPA 30'],
        blocks: [
          table(t(lang, 'policy_purposes'), [t(lang, 'purpose'), t(lang, 'items'), t(lang, 'required_or_optional')], purposes),
          table(t(lang, 'policy_retention'), [t(lang, 'recipient'), t(lang, 'purpose'), t(lang, 'retention')], retention),
          table(t(lang, 'policy_third'), [t(lang, 'recipient'), t(lang, 'recipient_purpose'), t(lang, 'items'), t(lang, 'retention'), t(lang, 'basis')], third),
          table(t(lang, 'policy_processors'), [t(lang, 'processor'), t(lang, 'work'), t(lang, 'items')], processors),
          table(t(lang, 'policy_overseas'), [t(lang, 'items'), t(lang, 'country'), t(lang, 'timing_method'), t(lang, 'recipient'), t(lang, 'recipient_purpose'), t(lang, 'retention'), t(lang, 'ground'), t(lang, 'refusal')], overseas),
          { kind: 'paragraph', text: t(lang, 'rights_text') },
          {
            kind: 'facts',
            items: [
              [t(lang, 'dpo'), `${text(op.privacy_officer.name, lang)}, ${op.privacy_officer.email}, ${op.privacy_officer.phone}`],
              [t(lang, 'domestic_agent'), agent ? [text(agent.name, lang), text(agent.address, lang), agent.email, agent.phone].filter(Boolean).join(', ') : t(lang, 'no_agent')],
            ],
          },
        ],
      },
    ];
  },
};
