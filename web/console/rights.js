// Rights-request work in the console: a queue in deadline order and, for one request, its
// history, the notices the customer got, the sellers' deletion confirmations, the webhook
// deliveries, and the actions the state allows. The server enforces every rule (scope, CSRF,
// evidence, grounds, extension limits); this page only offers what it will accept.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');
const METHOD_LABELS = {
  signed_in_account: 'Signed in to their account',
  mobile_identity: 'Mobile phone identity check',
  ipin: 'i-PIN',
  id_document: 'Identity document seen',
  in_person: 'In person',
  email_confirmation: 'Confirmed from the e-mail on file',
  agent_mandate: 'Agent with a mandate',
};

function Delivery({ d }) {
  if (!d) return html`<span class="muted">no webhook registered</span>`;
  const cls = d.state === 'delivered' ? 'ok' : d.state === 'dead' ? 'bad' : 'warn';
  return html`<span class=${cls} data-delivery=${d.state}>${d.state}</span>${d.attempts ? ` after ${d.attempts} attempt(s)` : ''}${d.last_status ? ` (HTTP ${d.last_status})` : ''}`;
}

function Actions({ api, detail, onDone }) {
  const r = detail.request;
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const allowed = new Set(r.allowed_actions);
  const act = async (body) => {
    setBusy(true);
    setError('');
    try {
      await api.post(`/rights/${r.id}/actions`, body);
      await onDone();
    } catch (e) {
      setError(`${e.code ?? 'ERROR'}: ${e.message}`);
    }
    setBusy(false);
  };
  const submit = (fn) => (ev) => {
    ev.preventDefault();
    act(fn(ev.target));
  };
  if (allowed.size === 0) return html`<p>This request is closed.</p>`;
  return html`<div class="actions">
    ${allowed.has('verify')
      ? html`<form class="row" data-action="verify" onSubmit=${submit((f) => ({ action: 'verify', evidence: { method: f.method.value, reference: f.reference.value.trim() } }))}>
          <label for="verify-method">How identity was checked</label>
          <select id="verify-method" name="method">${detail.verify_methods.map((m) => html`<option value=${m}>${METHOD_LABELS[m] ?? m}</option>`)}</select>
          <label for="verify-ref">Case reference</label>
          <input id="verify-ref" name="reference" required pattern="[A-Za-z0-9][A-Za-z0-9_.:#/\\-]{0,99}" aria-describedby="verify-ref-hint" />
          <span id="verify-ref-hint" class="muted">A ticket or case number — never the ID number or document itself.</span>
          <button type="submit" disabled=${busy}>Verify identity</button>
        </form>`
      : ''}
    ${allowed.has('start') ? html`<button type="button" data-action="start" disabled=${busy} onClick=${() => act({ action: 'start' })}>Start work</button>` : ''}
    ${allowed.has('complete') ? html`<button type="button" data-action="complete" disabled=${busy} onClick=${() => act({ action: 'complete' })}>Complete (carry out the request)</button>` : ''}
    ${allowed.has('extend') && detail.extension_available
      ? html`<form data-action="extend" onSubmit=${submit((f) => ({ action: 'extend', reason: f.reason.value }))}>
          <label for="extend-reason">Reason for the extension (GDPR 12(3): by two further months, once, within the first month; told to the customer)</label>
          <textarea id="extend-reason" name="reason" required maxlength="2000" rows="2"></textarea>
          <button type="submit" disabled=${busy}>Extend the deadline</button>
        </form>`
      : html`<p class="muted" data-extension="unavailable">${r.jurisdiction === 'KR' ? 'No extension: PIPA sets a 10-day period. Postponing access for a justified reason (Decree 41(4)) has no end date a deadline could move to, so it is not offered here.' : r.deadline.extended ? 'Already extended once (GDPR 12(3)).' : 'The first month has passed: GDPR 12(3) no longer allows an extension.'}</p>`}
    ${allowed.has('reject')
      ? html`<form data-action="reject" onSubmit=${submit((f) => ({ action: 'reject', article: f.article.value, reason: f.reason.value }))}>
          <label for="reject-article">Provision relied on</label>
          <select id="reject-article" name="article">${detail.refusal_grounds.map((g) => html`<option value=${g.article}>${g.article} — ${g.en}</option>`)}</select>
          <label for="reject-reason">Reason (sent to the customer)</label>
          <textarea id="reject-reason" name="reason" required maxlength="2000" rows="2"></textarea>
          <button type="submit" class="danger" disabled=${busy}>Reject the request</button>
        </form>`
      : ''}
    <p role="alert" class="error">${error}</p>
  </div>`;
}

function Detail({ api, id, onChanged }) {
  const [detail, setDetail] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api.get(`/rights/${id}`).then((d) => (setDetail(d), setError(null)), setError);
  useEffect(() => {
    load();
  }, [id]);
  if (!detail) return error ? html`<p class="error" role="alert">${error.message}</p>` : html`<p class="muted">Loading…</p>`;
  const r = detail.request;
  return html`<article class="rights-detail" aria-labelledby="rd-h" data-request=${r.id} data-state=${r.state}>
    <h3 id="rd-h">${r.type} request <span class="mono">${r.id}</span></h3>
    <dl class="kv">
      <dt>State</dt><dd data-field="state">${r.state}</dd>
      <dt>Right</dt><dd>${r.article} (${r.jurisdiction})</dd>
      <dt>Received</dt><dd>${when(r.received_at)}</dd>
      <dt>Deadline</dt><dd data-field="due">${r.deadline.due_date} (${r.deadline.article}${r.deadline.extended ? ', extended' : ''})${r.deadline.overdue ? html` <span class="bad">OVERDUE</span>` : ''}</dd>
      ${r.rejection_reason ? html`<dt>Refused</dt><dd>${r.rejection_article}: ${r.rejection_reason}</dd>` : ''}
    </dl>
    <${Actions} api=${api} detail=${detail} onDone=${async () => (await load(), onChanged())} />
    <h4>History</h4>
    <ol class="history">${r.history.map((s, i) => html`<li key=${i}>${when(s.at)} — <strong>${s.action}</strong> by <span class="mono">${s.actor}</span>${s.evidence ? ` (identity: ${METHOD_LABELS[s.evidence.method] ?? s.evidence.method}, ref. ${s.evidence.reference})` : ''}${s.article ? ` [${s.article}]` : ''}${s.reason ? ` — ${s.reason}` : ''}</li>`)}</ol>
    <h4>What the customer was told</h4>
    ${detail.notices.length === 0
      ? html`<p class="muted">No notices yet.</p>`
      : html`<table class="notices"><thead><tr><th scope="col">When</th><th scope="col">Notice</th><th scope="col">Delivery</th></tr></thead>
          <tbody>${detail.notices.map((n) => html`<tr key=${n.id}><td>${when(n.at)}</td><td lang=${n.lang}><strong>${n.title}</strong><br />${n.text}</td><td><${Delivery} d=${n.delivery} /></td></tr>`)}</tbody></table>`}
    <h4>Deletion requests to recipients</h4>
    ${detail.deletions.length === 0
      ? html`<p class="muted">None sent for this request.</p>`
      : html`<table class="deletions"><thead><tr><th scope="col">Recipient</th><th scope="col">Items</th><th scope="col">State</th><th scope="col">Requested</th><th scope="col">Confirmed</th><th scope="col">Webhook</th></tr></thead>
          <tbody>${detail.deletions.map((d) => html`<tr key=${d.id} data-deletion=${d.state}><td>${d.recipient}</td><td>${d.items.join(', ')}</td>
            <td class=${d.state === 'confirmed' ? 'ok' : d.state === 'escalated' ? 'bad' : 'warn'}>${d.state}</td><td>${when(d.requested_at)}</td><td>${when(d.confirmed_at)}</td><td><${Delivery} d=${d.delivery} /></td></tr>`)}</tbody></table>`}
  </article>`;
}

export function RightsWork({ api }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const load = () => api.get('/rights/queue').then((d) => (setData(d), setError(null)), setError);
  useEffect(() => {
    load();
  }, []);
  if (!data) return error ? html`<p class="error" role="alert">${error.message}</p>` : html`<p class="muted">Loading…</p>`;
  const openCount = data.requests.filter((r) => r.state !== 'completed' && r.state !== 'rejected').length;
  const overdue = data.requests.filter((r) => r.overdue).length;
  return html`<p>${openCount} open, <span class=${overdue ? 'bad' : 'ok'}>${overdue} overdue</span>; nearest deadline first.</p>
    ${data.requests.length === 0
      ? html`<p>No rights requests.</p>`
      : html`<table id="rights-queue">
          <caption>Rights requests by statutory deadline</caption>
          <thead><tr><th scope="col">Due</th><th scope="col">Type</th><th scope="col">Subject</th><th scope="col">State</th><th scope="col">Received</th><th scope="col">Article</th><th scope="col"><span class="sr-only">Open</span></th></tr></thead>
          <tbody>${data.requests.map((r) => html`<tr key=${r.id} data-request=${r.id}>
            <td>${r.due_date}${r.extended ? ' (extended)' : ''} ${r.overdue ? html`<span class="bad">OVERDUE</span>` : ''}</td>
            <td>${r.type}</td><td class="mono">${r.subject}</td><td>${r.state}</td><td>${when(r.received_at)}</td><td>${r.article}</td>
            <td><button type="button" aria-label=${`Open ${r.type} request ${r.id}`} onClick=${() => setOpen(r.id)}>Open</button></td>
          </tr>`)}</tbody>
        </table>`}
    ${open ? html`<${Detail} key=${open} api=${api} id=${open} onChanged=${load} />` : ''}`;
}
