import { z } from 'zod';
import { CgError } from '../../core/errors.ts';
import { defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';

/** Binding a recipient to its client certificate (mutual TLS, src/http/tls.ts). Admin actions, logged in the ledger. */
const params = z.object({ id: z.string().min(1).max(64) });
const bindingSchema = z.object({ recipient: z.string(), fingerprint: z.string() }).meta({ id: 'ClientCertificateBinding' });

export const clientCertRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'PUT',
    url: '/v1/recipients/:id/certificate',
    operationId: 'bindRecipientCertificate',
    summary: 'Require this recipient to present a client certificate (mutual TLS) with its API key',
    description: '`fingerprint` is the SHA-256 fingerprint of the DER certificate (`openssl x509 -noout -fingerprint -sha256`). Takes effect when the server runs with CONSENTGATE_TLS_CA; until then the recipient cannot call at all (401 CLIENT_CERT_REQUIRED).',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    params,
    body: z.strictObject({ fingerprint: z.string().min(64).max(200) }),
    bodyLimit: 4 * 1024,
    response: { 200: bindingSchema },
    handler: async ({ params: p, body, principal }) => {
      const r = await ctx.clientCerts.bind(p.id, body.fingerprint, principal.keyId);
      return { recipient: r.principal, fingerprint: r.fingerprint };
    },
  }));

  mount(app, defineRoute({
    method: 'DELETE',
    url: '/v1/recipients/:id/certificate',
    operationId: 'unbindRecipientCertificate',
    summary: 'Stop requiring a client certificate from this recipient',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    params,
    response: { 200: z.object({ recipient: z.string(), unbound: z.literal(true) }) },
    handler: async ({ params: p, principal }) => {
      if (!(await ctx.clientCerts.unbind(p.id, principal.keyId))) {
        throw new CgError('NOT_FOUND', `no certificate is bound to ${p.id}`, 404, [{ code: 'NOT_FOUND', message: 'no binding', path: 'params.id' }]);
      }
      return { recipient: p.id, unbound: true as const };
    },
  }));
};
