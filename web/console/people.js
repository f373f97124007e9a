// The console's "People" panel: who may sign in, with which role. Officer only — the server
// refuses the API to every other role (403), and this panel shows that refusal as it comes.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const ROLE_HELP = {
  officer: 'everything',
  auditor: 'read-only: registry, recipients, subjects, ledger, reports, metrics',
  support: 'rights requests only',
};

/** A server refusal as the page shows it: status, stable code and the server's words. */
export const refusal = (e) => (e.status ? `Refused by the server (${e.status}${e.code ? ' ' + e.code : ''}): ${e.message}` : e.message);

export function People({ api, me }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const load = () => api.get('/accounts').then((d) => (setData(d), setError(null)), setError);
  useEffect(() => {
    load();
  }, []);
  const act = async (what, fn) => {
    setNotice('');
    try {
      await fn();
      setNotice(what);
      await load();
    } catch (e) {
      setNotice(refusal(e));
    }
  };
  const add = (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { login: f.login.value.trim(), display_name: f.display_name.value.trim(), role: f.role.value };
    if (f.password.value) body.password = f.password.value;
    act(`Added ${body.login} as ${body.role}.`, async () => {
      await api.post('/accounts', body);
      f.reset();
    });
  };
  return html`
    ${error ? html`<p class="error" role="alert" data-refused=${error.status}>${refusal(error)}</p>` : ''}
    ${data
      ? html`<table>
          <caption>People who may sign in to this console</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Login</th><th scope="col">Role</th><th scope="col">Sign-in</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
          <tbody>${data.accounts.map((a) => html`<tr key=${a.id} data-account=${a.id}>
            <td>${a.display_name}</td>
            <td class="mono">${a.login}</td>
            <td>
              <label class="visually-hidden" for=${'role-' + a.id}>Role of ${a.display_name}</label>
              <select id=${'role-' + a.id} value=${a.role} disabled=${Boolean(a.disabled_at) || a.id === me}
                onChange=${(ev) => act(`${a.display_name} is now ${ev.target.value}.`, () => api.post(`/accounts/${a.id}/role`, { role: ev.target.value }))}>
                ${data.roles.map((r) => html`<option value=${r}>${r}</option>`)}
              </select>
            </td>
            <td>${[a.password ? 'password' : '', a.oidc ? 'single sign-on' : ''].filter(Boolean).join(', ') || html`<span class="muted">none yet (e-mail links on first single sign-on)</span>`}</td>
            <td>${a.disabled_at ? html`<span class="bad">disabled</span>` : html`<span class="ok">active</span>`}</td>
            <td>${a.disabled_at || a.id === me ? '' : html`<button type="button" onClick=${() => act(`Disabled ${a.display_name}.`, () => api.post(`/accounts/${a.id}/disable`))}>Disable<span class="visually-hidden"> ${a.display_name}</span></button>`}</td>
          </tr>`)}</tbody>
        </table>`
      : error ? '' : html`<p class="muted">Loading…</p>`}
    <h3>Add a person</h3>
    <form class="people-add" onSubmit=${add}>
      <div><label for="new-login">Login or e-mail</label><input id="new-login" name="login" type="text" required autocomplete="off" /></div>
      <div><label for="new-name">Name</label><input id="new-name" name="display_name" type="text" required autocomplete="off" /></div>
      <div><label for="new-role">Role</label>
        <select id="new-role" name="role">${Object.entries(ROLE_HELP).map(([r, help]) => html`<option value=${r}>${r} — ${help}</option>`)}</select></div>
      <div><label for="new-password">Password (optional, 12+ characters)</label>
        <p id="new-password-hint" class="muted">Leave empty for people who sign in with the company's single sign-on: their verified e-mail links them on first sign-in.</p>
        <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="12" aria-describedby="new-password-hint" /></div>
      <button type="submit">Add</button>
    </form>
    <p role="status" aria-live="polite" class=${notice.startsWith('Refused') ? 'error' : ''}>${notice}</p>`;
}
