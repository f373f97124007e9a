/**
 * Calls a session API (`/console/api`, `/privacy/api`): the session cookie rides along by
 * itself (same origin); state-changing calls add the CSRF token from the sign-in answer.
 */
export function sessionApi(base) {
  let csrf = '';
  async function call(method, path, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = csrf;
    const res = await fetch(base + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 204) return null;
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.detail || data.title || `HTTP ${res.status}`);
      err.status = res.status;
      err.code = data.code;
      throw err;
    }
    return data;
  }
  return {
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    del: (p) => call('DELETE', p),
    async signIn(key) {
      const s = await call('POST', '/session', { key });
      csrf = s.csrf;
      return s;
    },
    async signInPassword(login, password) {
      const s = await call('POST', '/session', { login, password });
      csrf = s.csrf;
      return s;
    },
    async resume() {
      const s = await call('GET', '/session');
      csrf = s.csrf;
      return s;
    },
    async signOut() {
      await call('DELETE', '/session');
      csrf = '';
    },
  };
}
