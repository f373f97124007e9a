// Report documents from the console: pick a document, a period, a language and a time zone;
// each format is a plain download link (GET with the session cookie), so the browser saves it.
// The server records every export in the transparency log.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const KINDS = [
  ['regulator', 'Regulator report (everything)'],
  ['transfers', 'Transfer register'],
  ['ropa', 'Records of processing (ROPA)'],
  ['provisions', 'PIPA 17 provision records'],
  ['breach', 'Breach-impact form (releases in the period)'],
];
const FORMATS = [
  ['html', 'HTML'],
  ['pdf', 'PDF'],
  ['csv', 'CSV'],
];

const today = () => new Date().toISOString().slice(0, 10);

export function ReportDownloads() {
  const [q, setQ] = useState({ kind: 'regulator', from: `${today().slice(0, 4)}-01-01`, to: today(), lang: 'en', tz: '', discovered: '', recipient: '' });
  const set = (k) => (ev) => setQ({ ...q, [k]: ev.target.value });
  const href = (format) => {
    const p = new URLSearchParams({ kind: q.kind, format, from: q.from, to: q.to, lang: q.lang });
    if (q.tz.trim()) p.set('tz', q.tz.trim());
    if (q.kind === 'breach' && q.discovered) p.set('discovered_at', q.discovered);
    if (q.kind === 'breach' && q.recipient.trim()) p.set('recipient', q.recipient.trim());
    return `/console/api/report-exports?${p}`;
  };
  return html`<form class="report-form" onSubmit=${(ev) => ev.preventDefault()}>
    <div class="row">
      <label for="rep-kind">Document</label>
      <select id="rep-kind" value=${q.kind} onChange=${set('kind')}>${KINDS.map(([k, l]) => html`<option value=${k}>${l}</option>`)}</select>
      <label for="rep-from">From</label><input id="rep-from" type="date" value=${q.from} onInput=${set('from')} required />
      <label for="rep-to">To</label><input id="rep-to" type="date" value=${q.to} onInput=${set('to')} required />
      <label for="rep-lang">Language</label>
      <select id="rep-lang" value=${q.lang} onChange=${set('lang')}><option value="en">English</option><option value="ko">한국어</option></select>
      <label for="rep-tz">Time zone</label>
      <input id="rep-tz" value=${q.tz} onInput=${set('tz')} placeholder="default: the regulator's" aria-describedby="rep-tz-hint" />
    </div>
    ${q.kind === 'breach'
      ? html`<div class="row">
          <label for="rep-discovered">Discovered on</label><input id="rep-discovered" type="date" value=${q.discovered} onInput=${set('discovered')} aria-describedby="rep-breach-hint" />
          <label for="rep-recipient">Compromised recipient</label><input id="rep-recipient" value=${q.recipient} onInput=${set('recipient')} aria-describedby="rep-breach-hint" />
          <span id="rep-breach-hint" class="muted">Releases in the period to this recipient, class or seller (empty: every release); the 72-hour clocks start on the discovery date (empty: now).</span>
        </div>`
      : ''}
    <p id="rep-tz-hint" class="muted">Days are counted in this IANA zone (e.g. Asia/Seoul); empty: Asia/Seoul when Korean subjects are served, else Europe/Brussels. Each download is recorded in the transparency log.</p>
    <p class="row">Download: ${FORMATS.map(([f, l]) => html`<a class="button" data-format=${f} href=${href(f)} download>${l}</a> `)}</p>
  </form>`;
}
