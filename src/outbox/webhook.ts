import { CgError } from '../core/errors.ts';
import type { ClaimedRow, WebhookEndpoint } from '../store/outbox-repo.ts';
import { signatureHeader } from './signature.ts';
import { describeError, type DeliveryOutcome, type Transport } from './transport.ts';

/**
 * Webhook delivery: one signed POST per attempt.
 *
 * Headers: `Content-Type: application/json`, `Idempotency-Key: <message id>` (the same on every
 * retry — recipients de-duplicate on it), `ConsentGate-Event: <topic>`, `ConsentGate-Attempt: <n>`
 * and `ConsentGate-Signature: t=…,v1=…` (see signature.ts). Any 2xx is success; anything else,
 * a timeout or a network error is a failed attempt. Redirects are not followed: a recipient
 * must register the final URL, and a redirect must not steer deletion requests elsewhere.
 */
export interface WebhookTransportOptions {
  readonly endpoint: (id: string) => Promise<WebhookEndpoint | undefined>;
  /** Clock for the signature timestamp (epoch ms). */
  readonly now?: () => number;
}

export const WEBHOOK_USER_AGENT = 'ConsentGate-Webhooks/1';

export class WebhookTransport implements Transport {
  private readonly now: () => number;

  constructor(private readonly opts: WebhookTransportOptions) {
    this.now = opts.now ?? Date.now;
  }

  async deliver(message: ClaimedRow, signal: AbortSignal): Promise<DeliveryOutcome> {
    const endpoint = await this.opts.endpoint(message.destination);
    if (!endpoint) return { ok: false, error: 'no active webhook endpoint' };
    const t = Math.floor(this.now() / 1000);
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        body: message.body,
        redirect: 'manual',
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': WEBHOOK_USER_AGENT,
          'idempotency-key': message.id,
          'consentgate-event': message.topic,
          'consentgate-attempt': String(message.attempts),
          'consentgate-signature': signatureHeader(endpoint.secret, t, message.body),
        },
      });
      // The response body is never read: free the connection.
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      return { ok: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (e) {
      return { ok: false, error: describeError(e, signal) };
    }
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A recipient's webhook URL: https, no credentials, at most 2000 characters. Plain http is
 * accepted only for loopback hosts when `allowHttp` is set (tests, local demos).
 */
export function validateWebhookUrl(raw: string, allowHttp = false): string {
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
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:' && allowHttp && LOOPBACK.has(url.hostname)) return url.toString();
  throw bad('webhook URLs must use https');
}
