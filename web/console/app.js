// The privacy officer's console. Preact + htm, no build step; data from /console/api (session cookie).
import { h, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { sessionApi } from '/shared/api.js';
import { RightsWork } from '/console/rights.js';
import { ReportDownloads } from '/console/reports.js';
import { People } from '/console/people.js';
import { RegistryEditor } from '/console/registry.js';

const html = htm.bind(h);
const api = sessionApi('/console/api');
const POLL_MS = 1000;

const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }) : '—');
const sevClass = { error: 'bad', warning: 'warn', info: 'muted' };

function useData(path, deps = []) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    api.get(path).then((data) => setState({ data, error: null }), (error) => setState({ data: null, error }));
  }, deps);
  return state;
}

function Panel({ id, title, children }) {
  return html`<section class="panel" id=${id} aria-labelledby=${id + '-h'}><h2 id=${id + '-h'}>${title}</h2>${children}</section>`;
}

function Failed({ error }) {
  return error ? html`<p class="error" role="alert">${error.message}</p>` : html`<p class="muted">Loading…</p>`;
}

function Registry() {
  const { data, error } = useData('/overview');
  if (!data) return html`<${Failed} error=${error} />`;
  if (!data.registry) return html`<p>No registry is active.</p>`;
  const r = data.registry;
  return html`<div class="grid2">
      <dl class="kv">
        <dt>Operator</dt><dd>${r.operator}</dd>
        <dt>Version</dt><dd>${r.version} (activated ${when(r.activated_at)})</dd>
        <dt>Hash</dt><dd class="mono">${r.hash}</dd>
        <dt>Contents</dt><dd>${r.purposes} purposes, ${r.declarations} declarations, ${r.recipients} recipients and classes, ${r.categories} data categories</dd>
        <dt>Subjects</dt><dd>${data.subjects}</dd>
        <dt>Registered members</dt><dd>${data.members}</dd>
      </dl>
      <p>Lint: <span class=${data.counts.errors ? 'bad' : 'ok'}>${data.counts.errors} errors</span>, <span class=${data.counts.warnings ? 'warn' : 'ok'}>${data.counts.warnings} warnings</span>, ${data.counts.notes} notes</p>
    </div>
    ${data.findings.length > 0
      ? html`<table>
          <caption>Statutory lint findings of the active registry</caption>
          <thead><tr><th scope="col">Severity</th><th scope="col">Code</th><th scope="col">Where</th><th scope="col">Finding</th><th scope="col">Articles</th></tr></thead>
          <tbody>${data.findings.map((f, i) => html`<tr key=${i}>
            <td class=${sevClass[f.severity]}>${f.severity}</td><td class="mono">${f.code}</td><td class="mono">${f.path}</td><td>${f.message}</td><td>${f.articles.join(', ')}</td>
          </tr>`)}</tbody>
        </table>`
      : html`<p class="ok">No findings.</p>`}`;
}

function Recipients() {
  const { data, error } = useData('/recipients');
  if (!data) return html`<${Failed} error=${error} />`;
  return html`<table>
    <caption>Where personal data may go, by destination country (operator in ${data.home})</caption>
    <thead><tr><th scope="col">Country</th><th scope="col">Overseas for KR / EU subjects</th><th scope="col">Registry recipients</th><th scope="col">Registered members</th><th scope="col">Declarations</th></tr></thead>
    <tbody>${data.countries.map((c) => html`<tr key=${c.country}>
      <th scope="row">${c.country}</th>
      <td>${c.overseas_for_kr ? 'yes' : 'no'} / ${c.overseas_for_eu ? 'yes' : 'no'}</td>
      <td>${c.recipients.length}: ${c.recipients.map((r) => r.name).join('; ')}</td>
      <td>${c.members}</td>
      <td class="mono">${c.declarations.join(', ')}</td>
    </tr>`)}</tbody>
  </table>`;
}

function Decisions() {
  const [rows, setRows] = useState([]);
  const [error, setError] = useState(null);
  const last = useRef(-1);
  useEffect(() => {
    let stop = false;
    let timer;
    const tick = async () => {
      try {
        const { decisions } = await api.get(`/decisions?after=${last.current}&limit=100`);
        if (decisions.length > 0) {
          last.current = decisions[0].ledger_index;
          setRows((old) => [...decisions, ...old].slice(0, 200));
        }
        setError(null);
      } catch (e) {
        setError(e);
      }
      if (!stop) timer = setTimeout(tick, POLL_MS);
    };
    tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);
  const denies = rows.filter((r) => !r.allow).length;
  return html`<p class="muted">Live: new decisions appear within a second. <span role="status" aria-live="polite">${rows.length} shown, ${denies} denied.</span></p>
    ${error ? html`<p class="error" role="alert">${error.message}</p>` : ''}
    <div class="stream" tabindex="0" role="region" aria-label="Release decisions, newest first">
      <table id="decisions">
        <caption>Release decisions, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Decision</th><th scope="col">Recipient</th><th scope="col">Purpose</th><th scope="col">Deny reason</th><th scope="col">Article</th><th scope="col">Subject</th><th scope="col">Ledger</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr key=${r.id} data-decision=${r.allow ? 'allow' : 'deny'}>
          <td>${when(r.at)}</td>
          <td class=${r.allow ? 'ok' : 'bad'}>${r.allow ? 'Allowed' : 'Denied'}</td>
          <td>${r.recipient}</td>
          <td>${r.purpose}</td>
          <td class="mono">${r.code ?? ''}</td>
          <td>${r.article ?? (r.basis ? `basis: ${r.basis}` : '')}</td>
          <td class="mono">${r.subject}…</td>
          <td>#${r.ledger_index}</td>
        </tr>`)}</tbody>
      </table>
    </div>`;
}

/** A two-series bar chart per day as inline SVG; the numbers are also in a table for screen readers. */
function DayChart({ title, days, a, b, labelA, labelB }) {
  const W = 560;
  const H = 160;
  const pad = 24;
  const max = Math.max(1, ...days.map((d) => Math.max(d[a], d[b])));
  const slot = (W - pad) / days.length;
  const bw = Math.max(2, slot / 2 - 2);
  const y = (v) => H - pad - ((H - 2 * pad) * v) / max;
  return html`<figure class="chart">
    <figcaption><strong>${title}</strong>
      <span class="legend"><span><span class="swatch s-a"></span>${labelA}</span><span><span class="swatch s-b"></span>${labelB}</span></span>
    </figcaption>
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${title}: ${labelA} and ${labelB} per day, highest ${max}`}>
      <line x1=${pad} y1=${H - pad} x2=${W} y2=${H - pad} stroke="#777" />
      <text x="2" y=${pad} font-size="10" fill="#333">${max}</text>
      <text x="2" y=${H - pad} font-size="10" fill="#333">0</text>
      ${days.map((d, i) => {
        const x = pad + i * slot;
        return html`<g key=${d.day}>
          <rect x=${x + 1} y=${y(d[a])} width=${bw} height=${H - pad - y(d[a])} fill="#1f6f3a"><title>${d.day} ${labelA}: ${d[a]}</title></rect>
          <rect x=${x + 1 + bw} y=${y(d[b])} width=${bw} height=${H - pad - y(d[b])} fill="#b3261e"><title>${d.day} ${labelB}: ${d[b]}</title></rect>
          ${i % Math.ceil(days.length / 7) === 0 ? html`<text x=${x} y=${H - 8} font-size="10" fill="#333">${d.day.slice(5)}</text>` : ''}
        </g>`;
      })}
    </svg>
    <details><summary>Numbers</summary>
      <table><thead><tr><th scope="col">Day</th><th scope="col">${labelA}</th><th scope="col">${labelB}</th></tr></thead>
      <tbody>${days.map((d) => html`<tr key=${d.day}><td>${d.day}</td><td>${d[a]}</td><td>${d[b]}</td></tr>`)}</tbody></table>
    </details>
  </figure>`;
}

function Charts() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((x) => x + 1), 10_000);
    return () => clearInterval(t);
  }, []);
  const { data, error } = useData('/charts?days=14', [tick]);
  if (!data) return html`<${Failed} error=${error} />`;
  return html`<div class="grid2">
      <${DayChart} title="Consents" days=${data.days} a="grants" b="withdrawals" labelA="granted" labelB="withdrawn or refused" />
      <${DayChart} title="Release decisions" days=${data.days} a="allows" b="denies" labelA="allowed" labelB="denied" />
    </div>
    <h3>Deny reasons (14 days)</h3>
    ${data.deny_codes.length === 0 ? html`<p>No denials.</p>` : html`<ul>${data.deny_codes.map((c) => html`<li key=${c.code}><span class="mono">${c.code}</span>: ${c.n}</li>`)}</ul>`}`;
}

function Ledger() {
  const { data, error } = useData('/ledger');
  if (!data) return html`<${Failed} error=${error} />`;
  const cp = data.checkpoint;
  return html`<dl class="kv">
      <dt>Log</dt><dd class="mono">${data.origin}</dd>
      <dt>Entries</dt><dd>${data.head_size} (${data.behind} not yet in a checkpoint)</dd>
      <dt>Newest checkpoint</dt><dd>size ${cp.size}, ${when(cp.created_at)} (${cp.age_seconds} s ago)</dd>
      <dt>Root</dt><dd class="mono">${cp.root}</dd>
      <dt>Verifier key</dt><dd class="mono">${data.verifier}</dd>
    </dl>
    <h3>Monitor</h3>
    <ul>${data.monitor.map((m) => html`<li key=${m.check}><span class=${m.ok ? 'ok' : 'bad'}>${m.ok ? 'OK' : 'FAILED'}</span> ${m.check}: ${m.detail}</li>`)}</ul>`;
}

/** Consents the active registry no longer covers (CONSENT_STALE at the gate): the customer must consent again. */
function StaleConsents() {
  const { data, error } = useData('/stale-consents?limit=100');
  if (!data) return html`<${Failed} error=${error} />`;
  if (data.total === 0) return html`<p class="ok" data-stale-total="0">No stale consents: every active consent covers the terms the active registry declares.</p>`;
  return html`<p class="warn" data-stale-total=${data.total}>${data.total} active consents were given to terms the active registry has changed; the gate refuses releases under them (CONSENT_STALE) until the customer consents again, and the privacy centre asks them to.</p>
    <table>
      <caption>Stale consents, newest first (first ${data.consents.length})</caption>
      <thead><tr><th scope="col">Subject</th><th scope="col">Declaration</th><th scope="col">Recipient</th><th scope="col">Consent event</th><th scope="col">Given</th></tr></thead>
      <tbody>${data.consents.map((c) => html`<tr key=${c.event_id}>
        <td class="mono">${c.subject}…</td><td class="mono">${c.declaration}</td><td>${c.recipient ?? 'all'}</td><td class="mono">${c.event_id}</td><td>${when(c.at)}</td>
      </tr>`)}</tbody>
    </table>`;
}

function Reports() {
  return html`<ul>
    <li><a href="/console/api/reports/findings.json" download>Registry lint findings (JSON)</a></li>
    <li><a href="/console/api/reports/findings.sarif" download>Registry lint findings (SARIF, for code scanning)</a></li>
    <li><a href="/v1/ledger/checkpoint">Newest signed ledger checkpoint (text)</a></li>
  </ul>`;
}

const SIGN_IN_ERRORS = {
  not_configured: 'Single sign-on is not configured on this server.',
  expired: 'The single sign-on attempt expired or was already used. Please try again.',
  state: 'The single sign-on answer did not match this browser’s request, so it was refused. Please try again.',
  provider: 'The identity provider could not confirm the sign-in. Please try again.',
  unknown_account: 'Your identity provider account is not linked to a console account. Ask a privacy officer to add you.',
  disabled: 'This console account is disabled.',
  rate_limited: 'Too many failed sign-ins from this address. Please wait a minute.',
};

function SignIn({ onDone }) {
  const [error, setError] = useState(() => SIGN_IN_ERRORS[new URLSearchParams(location.search).get('sign_in_error')] ?? '');
  const [sso, setSso] = useState(false);
  useEffect(() => {
    fetch('/console/auth/options').then((r) => r.json()).then((o) => setSso(Boolean(o.oidc)), () => {});
  }, []);
  const run = (fn) => async (ev) => {
    ev.preventDefault();
    setError('');
    try {
      onDone(await fn(ev.target));
    } catch (e) {
      setError(e.message);
    }
  };
  // The key form keeps its label and its "Sign in" button: automation and tests drive it by them.
  return html`<main class="signin">
    <h2>Sign in</h2>
    <p role="alert" class="error">${error}</p>
    <section aria-labelledby="person-h">
      <h3 id="person-h">People</h3>
      ${sso ? html`<p><a class="button" href="/console/auth/oidc/start">Log in with your company account</a></p>` : ''}
      <form onSubmit=${run((f) => api.signInPassword(f.login.value.trim(), f.password.value))}>
        <label for="login">Login or e-mail</label>
        <input id="login" name="login" type="text" autocomplete="username" required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Log in with password</button>
      </form>
    </section>
    <section aria-labelledby="key-h">
      <h3 id="key-h">Automation</h3>
      <form onSubmit=${run((f) => api.signIn(f.key.value.trim()))}>
        <label for="key">Admin key</label>
        <p id="key-hint" class="muted">The shared admin key printed on the server's first start (cg_admin_…), for automation; people use their own accounts. It stays on the server; your browser keeps only a session cookie.</p>
        <input id="key" name="key" type="password" autocomplete="off" required aria-describedby="key-hint" />
        <button type="submit">Sign in</button>
      </form>
    </section>
  </main>`;
}

function App() {
  const [session, setSession] = useState(undefined);
  // A registry activated from the editor changes what the overview, recipients and stale-consent
  // panels show: they are mounted again (and fetch again) under a new key.
  const [activations, setActivations] = useState(0);
  useEffect(() => {
    api.resume().then(setSession, () => setSession(null));
    const reload = () => setActivations((n) => n + 1);
    window.addEventListener('consentgate:registry-activated', reload);
    return () => window.removeEventListener('consentgate:registry-activated', reload);
  }, []);
  const header = html`<header class="top">
    <h1>ConsentGate — privacy officer console</h1>
    ${session ? html`<div class="row">${session.account
        ? html`<span data-role=${session.account.role}>${session.account.display_name} (${session.account.role})</span>`
        : html`<span>Key <span class="mono">${session.principal.key_id}</span></span>`}
      <button type="button" onClick=${async () => { await api.signOut(); setSession(null); }}>Sign out</button></div>` : ''}
  </header>`;
  if (session === undefined) return header;
  if (!session) return html`${header}<${SignIn} onDone=${setSession} />`;
  return html`${header}
    <nav class="sections" aria-label="Console sections">
      <a href="#decisions-panel">Live decisions</a><a href="#charts">Charts</a><a href="#registry">Registry and lint</a><a href="#registry-editor">Registry editor</a><a href="#recipients">Recipients by country</a>
      <a href="#stale">Stale consents</a><a href="#rights">Rights requests</a><a href="#ledger">Ledger</a><a href="#reports">Reports</a><a href="#people">People</a>
    </nav>
    <main>
      <${Panel} id="decisions-panel" title="Live release decisions"><${Decisions} /><//>
      <${Panel} id="charts" title="Consents and decisions over time"><${Charts} /><//>
      <${Panel} id="registry" title="Registry and statutory lint"><${Registry} key=${'registry-' + activations} /><//>
      <${Panel} id="registry-editor" title="Registry editor"><${RegistryEditor} api=${api} session=${session} /><//>
      <${Panel} id="recipients" title="Recipients by country"><${Recipients} key=${'recipients-' + activations} /><//>
      <${Panel} id="stale" title="Stale consents"><${StaleConsents} key=${'stale-' + activations} /><//>
      <${Panel} id="rights" title="Rights requests and deadlines"><${RightsWork} api=${api} /><//>
      <${Panel} id="ledger" title="Transparency ledger"><${Ledger} /><//>
      <${Panel} id="reports" title="Reports"><${ReportDownloads} /><${Reports} /><//>
      <${Panel} id="people" title="People and roles"><${People} api=${api} me=${session.account?.id} /><//>
    </main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
