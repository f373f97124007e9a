// The customer privacy centre: Korean and English, one page. Preact + htm, no build step.
import { h, render } from 'preact';
import { useEffect, useState, useCallback } from 'preact/hooks';
import htm from 'htm';
import { sessionApi } from '/shared/api.js';
import { verifyEntryProof } from '/shared/merkle.js';
import { RightsNotices } from '/privacy/notices.js';

const html = htm.bind(h);
const api = sessionApi('/privacy/api');

const T = {
  ko: {
    title: '개인정보 센터',
    signInTitle: '내 개인정보 센터에 로그인',
    tokenLabel: '고객 토큰',
    tokenHint: '쇼핑몰에서 받은 개인정보 토큰을 붙여 넣으세요 (데모: 서버 시작 시 출력되는 토큰).',
    signIn: '로그인',
    signOut: '로그아웃',
    consents: '내 동의 현황',
    consentsCaption: '동의한 항목과 철회 여부',
    transferChoice: '국외 이전 동의',
    stale: '안내 내용이 바뀌었습니다: 다시 동의해 주셔야 제공됩니다',
    purpose: '목적',
    recipient: '받는 자',
    countries: '국가',
    items: '항목',
    state: '상태',
    since: '일시',
    action: '작업',
    required: '필수',
    optional: '선택',
    active: '동의함',
    withdrawn: '철회됨',
    expired: '만료됨',
    none: '없음',
    withdraw: '철회',
    withdrawOf: (p) => `${p} 동의 철회`,
    withdrawn_ok: (p) => `${p}에 대한 동의를 철회했습니다. 이후 제공은 차단됩니다.`,
    requiredNote: '필수 항목을 철회하면 해당 서비스(주문 배송 등)를 이용할 수 없습니다.',
    noConsents: '기록된 동의가 없습니다.',
    who: '내 정보를 가진 곳',
    whoHint: '실제로 제공된 모든 내역이며, 각 제공은 투명성 원장에 기록되어 있습니다.',
    noReleases: '아직 제공된 내역이 없습니다.',
    release: '제공',
    verify: '원장 증명 확인',
    verified: (n) => `확인됨: 브라우저에서 직접 검증했습니다 (원장 크기 ${n}).`,
    notVerified: '검증 실패: ',
    overseas: '국외',
    export: '내 정보 내려받기',
    exportHint: '보관 중인 정보, 동의 기록, 제공 내역을 JSON 파일로 내려받습니다.',
    download: '내려받기 (JSON)',
    requests: '삭제 요청',
    requestErasure: '내 정보 삭제 요청',
    erasureConfirm: '정말로 삭제를 요청하시겠습니까? 처리 후에는 되돌릴 수 없습니다.',
    confirm: '삭제 요청 확인',
    cancel: '취소',
    requested: '요청이 접수되었습니다.',
    type: '종류',
    due: '처리 기한',
    overdue: '기한 초과',
    notAvailable: '이 서버에서는 사용할 수 없습니다.',
    noRequests: '요청 내역이 없습니다.',
    lang: '언어',
    error: '오류: ',
    states: { received: '접수', verified: '확인', in_progress: '처리 중', completed: '완료', rejected: '거절' },
    types: { erasure: '삭제', access: '열람', suspension: '처리정지', portability: '이동', withdrawal: '철회', objection: '반대' },
  },
  en: {
    title: 'Privacy centre',
    signInTitle: 'Sign in to your privacy centre',
    tokenLabel: 'Customer token',
    tokenHint: 'Paste the privacy token the marketplace gave you (demo: the token printed when the server starts).',
    signIn: 'Sign in',
    signOut: 'Sign out',
    consents: 'My consents',
    consentsCaption: 'What you agreed to, and whether it still applies',
    transferChoice: 'consent to the transfer abroad',
    stale: 'The terms changed since: your data is not provided until you consent again',
    purpose: 'Purpose',
    recipient: 'Recipient',
    countries: 'Countries',
    items: 'Items',
    state: 'Status',
    since: 'Since',
    action: 'Action',
    required: 'required',
    optional: 'optional',
    active: 'Agreed',
    withdrawn: 'Withdrawn',
    expired: 'Expired',
    none: 'None',
    withdraw: 'Withdraw',
    withdrawOf: (p) => `Withdraw consent for ${p}`,
    withdrawn_ok: (p) => `Consent for ${p} withdrawn. Further releases are blocked.`,
    requiredNote: 'Withdrawing a required item means that service (e.g. shipping an order) can no longer be provided.',
    noConsents: 'No consents on record.',
    who: 'Who has my data',
    whoHint: 'Every release that actually happened; each one is recorded in the transparency ledger.',
    noReleases: 'Nothing has been released yet.',
    release: 'Release',
    verify: 'Verify ledger proof',
    verified: (n) => `Verified in your browser (ledger size ${n}).`,
    notVerified: 'Verification failed: ',
    overseas: 'overseas',
    export: 'Download my data',
    exportHint: 'Everything held about you, your consent history and every release, as a JSON file.',
    download: 'Download (JSON)',
    requests: 'Erasure requests',
    requestErasure: 'Request erasure of my data',
    erasureConfirm: 'Do you really want your data erased? This cannot be undone once carried out.',
    confirm: 'Confirm erasure request',
    cancel: 'Cancel',
    requested: 'Your request was received.',
    type: 'Type',
    due: 'Due by',
    overdue: 'overdue',
    notAvailable: 'Not available on this server.',
    noRequests: 'No requests yet.',
    lang: 'Language',
    error: 'Error: ',
    states: { received: 'received', verified: 'verified', in_progress: 'in progress', completed: 'completed', rejected: 'rejected' },
    types: { erasure: 'erasure', access: 'access', suspension: 'suspension', portability: 'portability', withdrawal: 'withdrawal', objection: 'objection' },
  },
};

const fmt = (iso, lang) => (iso ? new Date(iso).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

function LangSwitch({ lang, setLang }) {
  return html`<div role="group" aria-label="Language / 언어" class="row">
    <button type="button" lang="ko" aria-pressed=${lang === 'ko'} onClick=${() => setLang('ko')}>한국어</button>
    <button type="button" lang="en" aria-pressed=${lang === 'en'} onClick=${() => setLang('en')}>English</button>
  </div>`;
}

function SignIn({ t, onDone }) {
  const [error, setError] = useState('');
  const submit = async (ev) => {
    ev.preventDefault();
    setError('');
    try {
      onDone(await api.signIn(ev.target.token.value.trim()));
    } catch (e) {
      setError(t.error + e.message);
    }
  };
  return html`<main class="signin">
    <h2>${t.signInTitle}</h2>
    <form onSubmit=${submit}>
      <label for="token">${t.tokenLabel}</label>
      <p id="token-hint" class="muted">${t.tokenHint}</p>
      <input id="token" name="token" type="password" autocomplete="off" required aria-describedby="token-hint" />
      <button type="submit">${t.signIn}</button>
      <p role="alert" class="error">${error}</p>
    </form>
  </main>`;
}

function Consents({ t, lang, data, onWithdraw }) {
  if (!data) return null;
  if (data.consents.length === 0) return html`<p>${t.noConsents}</p>`;
  return html`<table>
      <caption>${t.consentsCaption}</caption>
      <thead><tr><th scope="col">${t.purpose}</th><th scope="col">${t.recipient}</th><th scope="col">${t.countries}</th><th scope="col">${t.items}</th><th scope="col">${t.state}</th><th scope="col">${t.since}</th><th scope="col">${t.action}</th></tr></thead>
      <tbody>
        ${data.consents.map((c) => {
          const purpose = c.purpose[lang];
          // The provision and the overseas transfer are two consents: each row and button says which.
          const label = c.choice === 'transfer' ? `${purpose} — ${t.transferChoice}` : purpose;
          return html`<tr key=${c.declaration_id + (c.recipient_scope ?? '')} data-choice=${c.choice}>
            <th scope="row">${purpose} <span class="muted">(${c.required ? t.required : t.optional})</span>${c.choice === 'transfer' ? html` <span class="warn">— ${t.transferChoice}</span>` : ''}</th>
            <td>${c.recipient?.name ?? '—'}${c.recipient_scope ? html` <span class="muted">(${c.recipient_scope})</span>` : ''}</td>
            <td>${c.countries.join(', ')}${c.overseas ? html` <span class="warn">(${t.overseas})</span>` : ''}</td>
            <td>${c.items.map((i) => i.label[lang]).join(', ')}</td>
            <td class=${c.state === 'active' && !c.stale ? 'ok' : 'muted'}>${t[c.state] ?? c.state}${c.stale ? html`<br /><span class="warn" data-stale=${c.declaration_id}>${t.stale}</span>` : ''}</td>
            <td>${fmt(c.at, lang)}</td>
            <td>${c.state === 'active'
              ? html`<button type="button" aria-label=${t.withdrawOf(label)} data-withdraw=${c.declaration_id} onClick=${() => onWithdraw(c, label)}>${t.withdraw}</button>`
              : '—'}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${data.consents.some((c) => c.required && c.state === 'active') ? html`<p class="muted">${t.requiredNote}</p>` : ''}`;
}

function ProofButton({ t, index }) {
  const [result, setResult] = useState(null);
  const check = async () => {
    try {
      const res = await fetch(`/v1/ledger/entries/${index}`, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      setResult(await verifyEntryProof(await res.json()));
    } catch (e) {
      setResult({ ok: false, reason: e.message });
    }
  };
  return html`<span class="row">
    <button type="button" onClick=${check}>${t.verify} #${index}</button>
    <span role="status" class=${result ? (result.ok ? 'ok' : 'bad') : ''}>${result ? (result.ok ? t.verified(result.size) : t.notVerified + result.reason) : ''}</span>
  </span>`;
}

function Holdings({ t, lang, data }) {
  if (!data) return null;
  if (data.recipients.length === 0) return html`<p>${t.noReleases}</p>`;
  return html`${data.recipients.map((r) => html`<div class="card" key=${r.recipient}>
    <h3>${r.name} <span class="muted">${r.country ?? ''}</span></h3>
    <p>${t.items}: ${r.items.join(', ')}</p>
    <ul>
      ${r.releases.map((x) => html`<li key=${x.decision_id}>
        ${t.release} ${fmt(x.at, lang)} — ${x.purpose} (${x.items.map((i) => `${i.category}:${i.form}`).join(', ')})
        <${ProofButton} t=${t} index=${x.ledger_index} />
      </li>`)}
    </ul>
  </div>`)}`;
}

function Requests({ t, lang, data, onRequest }) {
  const [confirming, setConfirming] = useState(false);
  if (!data) return null;
  if (!data.available) return html`<p class="muted">${t.notAvailable}</p>`;
  return html`<div>
    ${confirming
      ? html`<div class="card" role="alertdialog" aria-labelledby="erase-q">
          <p id="erase-q">${t.erasureConfirm}</p>
          <div class="row">
            <button type="button" onClick=${async () => { setConfirming(false); await onRequest('erasure'); }}>${t.confirm}</button>
            <button type="button" onClick=${() => setConfirming(false)}>${t.cancel}</button>
          </div>
        </div>`
      : html`<button type="button" onClick=${() => setConfirming(true)}>${t.requestErasure}</button>`}
    ${data.requests.length === 0
      ? html`<p>${t.noRequests}</p>`
      : html`<table>
          <thead><tr><th scope="col">${t.type}</th><th scope="col">${t.state}</th><th scope="col">${t.since}</th><th scope="col">${t.due}</th></tr></thead>
          <tbody>${data.requests.map((r) => html`<tr key=${r.id}>
            <td>${t.types[r.type] ?? r.type}</td>
            <td>${t.states[r.state] ?? r.state}</td>
            <td>${fmt(r.received_at, lang)}</td>
            <td>${r.due_date} ${r.overdue ? html`<span class="bad">(${t.overdue})</span>` : ''}</td>
          </tr>`)}</tbody>
        </table>`}
  </div>`;
}

function App() {
  const [lang, setLangState] = useState(() => (localStorage.getItem('cg-lang') === 'en' ? 'en' : 'ko'));
  const [session, setSession] = useState(undefined);
  const [consents, setConsents] = useState(null);
  const [holdings, setHoldings] = useState(null);
  const [requests, setRequests] = useState(null);
  const [message, setMessage] = useState('');
  const t = T[lang];

  const setLang = (l) => {
    localStorage.setItem('cg-lang', l);
    setLangState(l);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${t.title} · ConsentGate`;
  }, [lang]);
  useEffect(() => {
    api.resume().then(setSession, () => setSession(null));
  }, []);

  const refresh = useCallback(async () => {
    const [c, h, r] = await Promise.allSettled([api.get('/consents'), api.get('/releases'), api.get('/requests')]);
    if (c.status === 'rejected' && c.reason.status === 401) return setSession(null);
    setConsents(c.status === 'fulfilled' ? c.value : null);
    setHoldings(h.status === 'fulfilled' ? h.value : null);
    setRequests(r.status === 'fulfilled' ? r.value : { available: false, requests: [] });
  }, []);
  useEffect(() => {
    if (!session) return undefined;
    refresh();
    // Requests move on while the page is open (the officer verifies, completes): follow them.
    const timer = setInterval(() => api.get('/requests').then(setRequests, () => {}), 15_000);
    return () => clearInterval(timer);
  }, [session]);

  const withdraw = async (c, purpose) => {
    try {
      await api.post('/consents/withdraw', { declarationId: c.declaration_id, ...(c.recipient_scope ? { recipientId: c.recipient_scope } : {}) });
      setMessage(t.withdrawn_ok(purpose));
      await refresh();
    } catch (e) {
      setMessage(t.error + e.message);
    }
  };
  const request = async (type) => {
    try {
      await api.post('/requests', { type });
      setMessage(t.requested);
      await refresh();
    } catch (e) {
      setMessage(t.error + e.message);
    }
  };

  const header = html`<header class="top">
    <h1>${t.title}${session ? html` — <span class="mono">${session.principal.id}</span>` : ''}</h1>
    <div class="row">
      <${LangSwitch} lang=${lang} setLang=${setLang} />
      ${session ? html`<button type="button" onClick=${async () => { await api.signOut(); setSession(null); }}>${t.signOut}</button>` : ''}
    </div>
  </header>`;
  if (session === undefined) return header;
  if (!session) return html`${header}<${SignIn} t=${t} onDone=${setSession} />`;
  return html`${header}
    <nav class="sections" aria-label=${t.title}>
      <a href="#consents">${t.consents}</a><a href="#who">${t.who}</a><a href="#export">${t.export}</a><a href="#requests">${t.requests}</a>
    </nav>
    <main>
      <p role="status" aria-live="polite" class="ok">${message}</p>
      <section class="panel" id="consents" aria-labelledby="consents-h"><h2 id="consents-h">${t.consents}</h2>
        <${Consents} t=${t} lang=${lang} data=${consents} onWithdraw=${withdraw} />
      </section>
      <section class="panel" id="who" aria-labelledby="who-h"><h2 id="who-h">${t.who}</h2>
        <p class="muted">${t.whoHint}</p>
        <${Holdings} t=${t} lang=${lang} data=${holdings} />
      </section>
      <section class="panel" id="export" aria-labelledby="export-h"><h2 id="export-h">${t.export}</h2>
        <p class="muted">${t.exportHint}</p>
        <a class="button" href="/privacy/api/export" download="my-data-consentgate.json">${t.download}</a>
      </section>
      <section class="panel" id="requests" aria-labelledby="requests-h"><h2 id="requests-h">${t.requests}</h2>
        <${Requests} t=${t} lang=${lang} data=${requests} onRequest=${request} />
      </section>
      <${RightsNotices} api=${api} lang=${lang} />
    </main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
