import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * CORS for the consent widget. The widget runs on the marketplace's own sign-up and checkout
 * pages, so the few endpoints it calls must answer cross-origin requests — from the origins the
 * operator lists in `CONSENTGATE_WIDGET_ORIGINS`, and from nowhere else. Everything else stays
 * same-origin. Credentials are never allowed: the widget sends a subject token, not cookies.
 */
const WIDGET_ROUTES: ReadonlyArray<{ method: 'GET' | 'POST'; path: RegExp }> = [
  { method: 'GET', path: /^\/v1\/notices(\/[^/?]+)*(\?.*)?$/ },
  { method: 'GET', path: /^\/v1\/keys(\?.*)?$/ },
  { method: 'GET', path: /^\/widget\/api\/recipients\/[^/?]+(\?.*)?$/ },
  { method: 'GET', path: /^\/v1\/subjects\/[^/?]+\/consents(\?.*)?$/ },
  { method: 'POST', path: /^\/v1\/subjects\/[^/?]+\/consents(\?.*)?$/ },
];

const ALLOWED_HEADERS = 'authorization, content-type, accept, sec-gpc';

/** Parses the comma-separated origin list; each must be a bare scheme://host[:port]. */
export function parseOrigins(list: string | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  for (const raw of (list ?? '').split(',')) {
    const o = raw.trim();
    if (!o) continue;
    if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(o)) throw new Error(`CONSENTGATE_WIDGET_ORIGINS: "${o}" is not an origin such as https://shop.example`);
    out.add(o.toLowerCase());
  }
  return out;
}

const matches = (method: string, url: string) => WIDGET_ROUTES.some((r) => r.method === method && r.path.test(url));

export function installWidgetCors(app: FastifyInstance, origins: ReadonlySet<string>): void {
  if (origins.size === 0) return;
  const allowed = (req: FastifyRequest): string | undefined => {
    const origin = req.headers.origin;
    return typeof origin === 'string' && origins.has(origin.toLowerCase()) ? origin : undefined;
  };
  const expose = (reply: FastifyReply, origin: string) => {
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'origin');
  };

  // Preflight: answered before routing (there are no OPTIONS routes) and before authentication.
  // Callback-style hooks: every request runs them, and neither needs a promise.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.method !== 'OPTIONS') return done();
    const origin = allowed(req);
    const wanted = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
    if (!origin || !matches(wanted, req.url)) return done();
    expose(reply, origin);
    reply.header('access-control-allow-methods', wanted);
    reply.header('access-control-allow-headers', ALLOWED_HEADERS);
    reply.header('access-control-max-age', '600');
    // Answered here: a hook that sends the reply does not call done().
    reply.code(204).send();
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    const origin = allowed(req);
    if (origin && matches(req.method, req.url)) expose(reply, origin);
    done(null, payload);
  });
}
