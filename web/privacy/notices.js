// Privacy centre: what the company told the customer about each of their requests (received,
// identity confirmed, in progress, extended and why, done, or refused with the reason and the
// provision). The texts come from the server in the customer's language.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const T = {
  ko: { title: '요청 처리 안내', none: '받은 안내가 없습니다.' },
  en: { title: 'Messages about your requests', none: 'No messages yet.' },
};
const fmt = (iso, lang) => new Date(iso).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });

export function RightsNotices({ api, lang }) {
  const t = T[lang] ?? T.en;
  const [notices, setNotices] = useState(null);
  useEffect(() => {
    const load = () => api.get('/notices').then((d) => setNotices(d.notices), () => setNotices([]));
    load();
    // The officer acts while the page is open: follow along, as the request list does.
    const timer = setInterval(load, 15_000);
    return () => clearInterval(timer);
  }, []);
  return html`<section class="panel" id="notices" aria-labelledby="notices-h"><h2 id="notices-h">${t.title}</h2>
    ${notices === null
      ? ''
      : notices.length === 0
        ? html`<p>${t.none}</p>`
        : html`<ol class="notices">${notices.map((n) => html`<li key=${n.id} lang=${n.lang} data-notice=${n.action}>
            <strong>${n.title}</strong> <span class="muted">${fmt(n.at, lang)}</span><br />${n.text}
          </li>`)}</ol>`}
  </section>`;
}
