import { dayIn } from './zone.ts';
import type { ReplaySummary } from '../audit/summary.ts';
import { transferVerdict } from '../law/verdicts.ts';
import { carryingGround, groundLabel, t } from './i18n.ts';
import { declarationItems, declarationsWithParty, itemsLabel, partyName } from './labels.ts';
import type { ReportContext, ReportSource, Section, TransferVolumes } from './model.ts';

/**
 * The cross-border transfer register: one row per declaration and destination country outside
 * a served jurisdiction, with its ground, whether that ground is valid there, and — when a volume
 * source is given — releases and distinct subjects; then transfers abroad to undeclared recipients.
 */
export const transferRegisterSource: ReportSource = {
  id: 'transfers',
  build(ctx: ReportContext): Section[] {
    const { registry: m, lang, volumes } = ctx;
    const served = m.operator.jurisdictions;
    const rows: Array<Array<string | number>> = [];
    for (const { d, party } of declarationsWithParty(m)) {
      for (const country of m.destinationCountries(d)) {
        const abroadFor = served.filter((j) => m.isOverseas(country, j));
        if (abroadFor.length === 0) continue;
        const verdicts = abroadFor.map((j) => ({ j, v: transferVerdict(m, d, party, country, j) }));
        const valid = verdicts.map(({ j, v }) => `${j}: ${t(lang, v.ok ? 'yes' : 'no')}`).join(', ');
        // The declared ground; with none, what carries it where valid (an adequacy decision, SCCs, BCRs).
        const ground = d.transfer?.ground ?? (verdicts.every(({ v }) => v.ok) ? carryingGround(undefined, verdicts[0]!.v) : undefined);
        const v = volumes?.get(d.id, country);
        rows.push([country, partyName(party, lang), itemsLabel(m, lang, declarationItems(d)), groundLabel(lang, ground), valid, v?.releases ?? '—', v?.subjects ?? '—']);
      }
    }
    for (const u of volumes?.undeclared() ?? []) {
      rows.push([u.country, `${u.recipient} (${t(lang, 'undeclared_recipient')})`, '—', t(lang, 'none'), t(lang, 'no'), u.releases, u.subjects]);
    }
    return [
      {
        id: 'transfers',
        title: t(lang, 'register'),
        articles: ['PIPA 28-8', 'GDPR 30', 'GDPR 44'],
        blocks: [
          { kind: 'paragraph', text: t(lang, 'register_text') + (volumes ? '' : ' ' + t(lang, 'no_volumes')) },
          { kind: 'table', caption: t(lang, 'register'), columns: [t(lang, 'country'), t(lang, 'recipient'), t(lang, 'items'), t(lang, 'ground'), t(lang, 'valid'), t(lang, 'releases'), t(lang, 'subjects')], rows },
        ],
      },
    ];
  },
};

/** Transfer volumes read from a replay summary (`by_declaration`, `by_recipient`). */
export function replayVolumes(s: ReplaySummary, isOverseas: (country: string) => boolean, isDeclaredParty: (id: string) => boolean, timeZone = 'UTC'): TransferVolumes {
  const day = (iso: string | null) => (iso ? dayIn(Date.parse(iso), timeZone) : '');
  return {
    source: `replay ${day(s.period.from)} .. ${day(s.period.to)} (${s.records} records)`,
    get(declarationId, country) {
      const c = s.by_declaration[declarationId]?.countries[country];
      return c ? { releases: c.records, subjects: c.subjects } : undefined;
    },
    undeclared() {
      return Object.entries(s.by_recipient)
        .filter(([id, r]) => r.class === undefined && !isDeclaredParty(id) && r.country !== null && isOverseas(r.country))
        .map(([id, r]) => ({ recipient: id, country: r.country!, releases: r.records, subjects: r.subjects }));
    },
  };
}
