import { localize, type Lang } from './localize.ts';
import { basisText, citationKo, roleText, safeguardKo } from './ko-terms.ts';
import type { Notice, NoticeDeclaration, NoticePurpose, NoticeVersion } from './types.ts';

/**
 * Accessible HTML rendering of a notice: one language per page (`lang` set), landmarks,
 * headings in order, tables with captions and header scopes, no scripts, no colour-only cues.
 * Every value is escaped: registry text is operator input.
 */
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const L = {
  ko: {
    title: '개인정보 수집·이용·제공 안내',
    controller: '개인정보처리자',
    officer: '개인정보 보호책임자',
    reps: '국내대리인·EU 대리인',
    required: '필수 동의 사항',
    optional: '선택 동의 사항',
    purposes: '수집·이용 목적',
    provision: '제3자 제공 및 국외 이전',
    purpose: '목적',
    items: '항목',
    retention: '보유·이용 기간',
    basis: '법적 근거',
    refusal: '거부 권리 및 불이익',
    recipient: '제공받는 자',
    contact: '연락처',
    rpurpose: '이용 목적',
    country: '이전 국가',
    when: '이전 일시 및 방법',
    safeguards: '보호 조치',
    rights: '정보주체의 권리',
    withdrawal: '동의 철회',
    children: '아동',
    none: '해당 없음',
    version: '안내문 버전(고유 식별값)',
    decide: '동의 여부를 선택하는 항목',
    seller: '이 주문의 판매자',
    choices: '각각 선택하시는 동의',
  },
  en: {
    title: 'How we collect, use and share your personal data',
    controller: 'Controller',
    officer: 'Privacy officer',
    reps: 'Representatives',
    required: 'Required',
    optional: 'Optional',
    purposes: 'Purposes of collection and use',
    provision: 'Recipients and transfers abroad',
    purpose: 'Purpose',
    items: 'Data items',
    retention: 'Retention',
    basis: 'Legal basis',
    refusal: 'Your right to refuse and its consequence',
    recipient: 'Recipient',
    contact: 'Contact',
    rpurpose: "Recipient's purpose",
    country: 'Destination country',
    when: 'Timing and method of transfer',
    safeguards: 'Safeguards',
    rights: 'Your rights',
    withdrawal: 'Withdrawing consent',
    children: 'Children',
    none: 'None',
    version: 'Notice version (SHA-256)',
    decide: 'You decide on this item',
    seller: 'The seller of this order',
    choices: 'Consents you decide on, each apart',
  },
} as const;

export function renderNoticeHtml(v: NoticeVersion, lang: Lang): string {
  const n = localize<Notice>(v.notice, lang);
  const t = L[lang];
  const c = n.controller;
  const cite = (a: string) => (lang === 'ko' ? citationKo(a) : a);
  const safeguard = (s: string) => (lang === 'ko' ? safeguardKo(s) : s);
  const contact = (x: { name?: string; email?: string; phone?: string; address?: string; url?: string }) =>
    [x.name, x.email, x.phone, x.address, x.url].filter(Boolean).map((s) => esc(s!)).join(', ');

  const purposeTable = (ps: ReturnType<typeof localize<NoticePurpose>>[], caption: string) =>
    ps.length === 0
      ? ''
      : `<table><caption>${esc(caption)}</caption><thead><tr>` +
        [t.purpose, t.items, t.retention, t.basis, t.refusal].map((h) => `<th scope="col">${esc(h)}</th>`).join('') +
        `</tr></thead><tbody>` +
        ps
          .map(
            (p) =>
              `<tr><th scope="row">${esc(p.label)}</th><td>${p.items.map((i) => esc(i.label)).join(', ')}</td>` +
              `<td>${esc(p.retention)}</td><td>${esc(basisText(lang, p.legalBasis))}</td><td>${esc(p.refusal)}</td></tr>`,
          )
          .join('') +
        `</tbody></table>`;

  const declarationBlock = (d: ReturnType<typeof localize<NoticeDeclaration>>) => {
    const m = d.recipient.member;
    const rows: Array<[string, string]> = [
      [t.recipient, `${esc(d.recipient.name)} (${esc(roleText(lang, d.recipient.role))})`],
      [t.contact, contact(d.recipient.contact)],
      ...(m ? ([[t.seller, `${esc(m.name)} (${esc(m.country)}); ${contact(m.contact)}`]] as Array<[string, string]>) : []),
      [t.purpose, esc(d.purpose)],
      [t.rpurpose, esc(d.recipientPurpose)],
      [t.items, d.items.map((i) => esc(i.label)).join(', ')],
      [t.retention, esc(d.retention.text)],
      [t.basis, esc(basisText(lang, d.legalBasis))],
    ];
    if (d.transfer) {
      rows.push([t.country, d.transfer.countries.map(esc).join(', ')]);
      rows.push([t.when, `${esc(d.transfer.timing)}; ${esc(d.transfer.method)}`]);
      rows.push([t.safeguards, d.transfer.safeguards.length ? d.transfer.safeguards.map((s) => esc(safeguard(s))).join('; ') : esc(t.none)]);
    }
    rows.push([t.refusal, esc(d.refusal)]);
    if (d.choices.length > 0) rows.push([t.choices, `<ul>${d.choices.map((ch) => `<li>${esc(ch.label)} (${ch.articles.map((a) => esc(cite(a))).join(', ')})</li>`).join('')}</ul>`]);
    return (
      `<section aria-labelledby="d-${esc(d.id)}"><h4 id="d-${esc(d.id)}">${esc(m ? `${m.name} — ${d.recipient.name}` : d.recipient.name)}` +
      `${d.consentable ? ` <small>(${esc(t.decide)})</small>` : ''}</h4><table><tbody>` +
      rows.map(([k, val]) => `<tr><th scope="row">${esc(k)}</th><td>${val}</td></tr>`).join('') +
      `</tbody></table></section>`
    );
  };

  const section = (key: 'required' | 'optional') => {
    const s = n[key];
    if (s.purposes.length === 0 && s.declarations.length === 0) return '';
    return (
      `<section aria-labelledby="s-${key}"><h2 id="s-${key}">${esc(t[key])}</h2>` +
      purposeTable(s.purposes, `${t[key]} — ${t.purposes}`) +
      (s.declarations.length ? `<h3>${esc(t.provision)}</h3>${s.declarations.map(declarationBlock).join('')}` : '') +
      `</section>`
    );
  };

  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(t.title)} — ${esc(n.collectionPoint.label)}</title></head><body><main>` +
    `<h1>${esc(t.title)}: ${esc(n.collectionPoint.label)}</h1>` +
    `<section aria-labelledby="s-controller"><h2 id="s-controller">${esc(t.controller)}</h2><p>${esc(c.name)} (${esc(c.country)})` +
    `${c.address ? `, ${esc(c.address)}` : ''}</p><p>${esc(t.officer)}: ${contact(c.privacyOfficer)}</p>` +
    (c.representatives.length
      ? `<p>${esc(t.reps)}:</p><ul>${c.representatives.map((r) => `<li>${esc(r.jurisdiction)}: ${contact(r)}</li>`).join('')}</ul>`
      : '') +
    `</section>` +
    section('required') +
    section('optional') +
    `<section aria-labelledby="s-rights"><h2 id="s-rights">${esc(t.rights)}</h2><p>${esc(n.rights)}</p>` +
    `<h3>${esc(t.withdrawal)}</h3><p>${esc(n.withdrawal)}</p>` +
    (n.children ? `<h3>${esc(t.children)}</h3><p>${esc(n.children)}</p>` : '') +
    `</section><footer><p>${esc(t.version)}: <code>${esc(v.hash)}</code></p></footer></main></body></html>`
  );
}
