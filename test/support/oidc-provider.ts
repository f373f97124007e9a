import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider for tests (`oidc-provider`, the certified implementation), on a loopback
 * port: discovery, authorization with its own login and consent pages (dev interactions: any
 * login, it becomes the subject), token endpoint with PKCE required, signed ID tokens, userinfo.
 * `people` gives each subject's claims (e-mail, whether verified).
 */
export interface TestProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
}

export async function startProvider(redirectUri: string, people: Record<string, { email?: string; email_verified?: boolean; name?: string }>): Promise<TestProvider> {
  let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'consentgate-console';
  const clientSecret = randomBytes(32).toString('base64url');
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub, ...(people[sub] ?? {}) }) }),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  // Quiet: the dev-interactions warning is expected here.
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  handler = provider.callback();
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A cookie jar for one browser: cookies by name, sent where their path matches (host-only, as on loopback). */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const path = new URL(url).pathname;
    const cookie = [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`).join('; ');
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const p = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attrs.some((a) => /^max-age=0$/i.test(a.trim()) || (/^expires=/i.test(a.trim()) && Date.parse(a.trim().slice(8)) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, path: p });
    }
    return res;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }
}

/**
 * Drives a sign-in the way a browser does: from ConsentGate's start URL through the provider's
 * login and consent forms back to the callback, following every redirect. `tamper` may rewrite
 * the callback URL (a forged state). Returns where ConsentGate finally sent the browser.
 */
export async function signInThroughProvider(
  startUrl: string,
  login: string,
  opts: { jar?: CookieJar; tamper?: (callbackUrl: string) => string } = {},
): Promise<{ final: string; jar: CookieJar; visited: string[] }> {
  const jar = opts.jar ?? new CookieJar();
  const visited: string[] = [];
  const origin = new URL(startUrl).origin;
  let url = startUrl;
  let init: RequestInit = {};
  for (let hop = 0; hop < 25; hop++) {
    visited.push(`${init.method ?? 'GET'} ${url}`);
    const res = await jar.fetch(url, init);
    init = {};
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      if (url.startsWith(`${origin}/console/auth/oidc/callback`) && opts.tamper) url = opts.tamper(url);
      if (url.startsWith(`${origin}/console/`) && !url.startsWith(`${origin}/console/auth/`)) return { final: url, jar, visited };
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`${url}: no interaction form in ${html.slice(0, 300)}`);
    const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any password' } : { prompt });
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    init = { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error(`too many redirects: ${visited.join(' → ')}`);
}

/** A loopback port free right now: for a server whose URL must be known before it starts (redirect URIs). */
export async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
