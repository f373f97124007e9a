import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CgError } from '../core/errors.ts';
import type { ClaimedRow, WebhookEndpoint } from '../store/outbox-repo.ts';
import { ForbiddenAddressError, literalAddress, WebhookAddressPolicy } from './address-policy.ts';
import { signatureHeader } from './signature.ts';
import { describeError, type DeliveryOutcome, type Transport } from './transport.ts';

/**
 * Webhook delivery: one signed POST per attempt.
 *
 * Headers: `Content-Type: application/json`, `Idempotency-Key: <message id>` (the same on every
 * retry — recipients de-duplicate on it), `ConsentGate-Event: <topic>`, `ConsentGate-Attempt: <n>`
 * and `ConsentGate-Signature: t=…,v1=…` (see signature.ts). Any 2xx is success; anything else,
 * a timeout or a network error is a failed attempt. Redirects are never followed — a redirect is
 * a failed attempt, so no `Location` can steer a deletion request (or the server) elsewhere — and
 * the address is checked on every attempt (address-policy.ts): a literal before connecting, a
 * name as it resolves, on the very connection that is then used. A refused address fails the
 * attempt with the reason in `last_error`.
 */
export interface WebhookTransportOptions {
  readonly endpoint: (id: string) => Promise<WebhookEndpoint | undefined>;
  /** Clock for the signature timestamp (epoch ms). */
  readonly now?: () => number;
  /** Which addresses deliveries may reach (default: public ones only). */
  readonly policy?: WebhookAddressPolicy;
}

export const WEBHOOK_USER_AGENT = 'ConsentGate-Webhooks/1';

export class WebhookTransport implements Transport {
  private readonly now: () => number;
  private readonly policy: WebhookAddressPolicy;

  constructor(private readonly opts: WebhookTransportOptions) {
    this.now = opts.now ?? Date.now;
    this.policy = opts.policy ?? new WebhookAddressPolicy();
  }

  async deliver(message: ClaimedRow, signal: AbortSignal): Promise<DeliveryOutcome> {
    const endpoint = await this.opts.endpoint(message.destination);
    if (!endpoint) return { ok: false, error: 'no active webhook endpoint' };
    let url: URL;
    try {
      url = new URL(endpoint.url);
    } catch {
      return { ok: false, error: 'stored webhook URL does not parse' };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, error: `unsupported scheme ${url.protocol}` };
    // A literal host is not looked up by the socket: check it here (stored URLs predate any rule).
    const literal = literalAddress(url.hostname);
    const refused = literal ? this.policy.refusal(literal, url.hostname) : undefined;
    if (refused) return { ok: false, error: `forbidden address: ${refused}` };
    const t = Math.floor(this.now() / 1000);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<DeliveryOutcome>((resolve) => {
      const req = send(
        url,
        {
          method: 'POST',
          signal,
          // One connection per attempt: no pooled socket outlives the check of its address.
          agent: false,
          lookup: this.policy.lookupFor(url.hostname),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(message.body),
            'user-agent': WEBHOOK_USER_AGENT,
            'idempotency-key': message.id,
            'consentgate-event': message.topic,
            'consentgate-attempt': String(message.attempts),
            'consentgate-signature': signatureHeader(endpoint.secret, t, message.body),
          },
        },
        (res: IncomingMessage) => {
          // The response body is never read: free the connection.
          res.resume();
          res.destroy();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ ok: true, status });
          if (status >= 300 && status < 400) return resolve({ ok: false, status, error: `HTTP ${status}: redirects are not followed` });
          resolve({ ok: false, status, error: `HTTP ${status}` });
        },
      );
      req.on('error', (e) => resolve({ ok: false, error: e instanceof ForbiddenAddressError ? `forbidden address: ${e.message}` : describeError(e, signal) }));
      req.end(message.body);
    });
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A recipient's webhook URL: https, no credentials, at most 2000 characters, and — when its host
 * is an IP literal or a `localhost` name — an address webhooks may reach (422
 * WEBHOOK_URL_FORBIDDEN otherwise; names are checked again as they resolve, at each delivery).
 * Plain http is accepted only for loopback hosts when `allowHttp` is set (tests, local demos),
 * and those must be in the allow-list like any internal receiver.
 */
export function validateWebhookUrl(raw: string, allowHttp = false, policy: WebhookAddressPolicy = new WebhookAddressPolicy()): string {
  const bad = (message: string) =>
    new CgError('WEBHOOK_URL_INVALID', message, 422, [{ code: 'WEBHOOK_URL_INVALID', message, path: 'url' }]);
  if (raw.length > 2000) throw bad('URL longer than 2000 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('not an absolute URL');
  }
  if (url.username || url.password) throw bad('credentials in the URL are not allowed; the signature authenticates');
  const https = url.protocol === 'https:';
  if (!https && !(url.protocol === 'http:' && allowHttp && LOOPBACK.has(url.hostname))) throw bad('webhook URLs must use https');
  const forbidden = addressRefusal(url.hostname, policy);
  if (forbidden) {
    throw new CgError('WEBHOOK_URL_FORBIDDEN', `webhook URL names a forbidden address: ${forbidden}`, 422, [{ code: 'WEBHOOK_URL_FORBIDDEN', message: forbidden, path: 'url' }]);
  }
  return url.toString();
}

/** Why a URL host may not receive webhooks, judged without DNS: literals and localhost names. */
function addressRefusal(hostname: string, policy: WebhookAddressPolicy): string | undefined {
  const literal = literalAddress(hostname);
  if (literal) return policy.refusal(literal, hostname);
  const name = hostname.toLowerCase().replace(/\.$/, '');
  // RFC 6761: localhost names always resolve to loopback.
  if ((name === 'localhost' || name.endsWith('.localhost')) && !policy.hostAllowed(hostname)) {
    return `${hostname} (loopback); list it in CONSENTGATE_WEBHOOK_ALLOW to deliver there deliberately`;
  }
  return undefined;
}
