import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { CgError } from '../core/errors.ts';
import type { ClientCertBindings } from '../app/client-certs.ts';
import { normaliseFingerprint } from '../app/client-certs.ts';

/**
 * Optional mutual TLS for recipients. With a CA file the server asks every client for a
 * certificate (`requestCert`) but does not drop the connection without one — the public
 * ledger, subjects and admins keep plain server-side TLS. A recipient whose certificate is
 * bound (PUT /v1/recipients/:id/certificate) must present exactly that certificate, signed by
 * the CA, alongside its API key: 401 CLIENT_CERT_REQUIRED without one, 403 CLIENT_CERT_MISMATCH
 * with another. TLS itself is node:tls; nothing here touches cryptography.
 */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string | undefined;
}

export function httpsOptions(files: TlsFiles): ServerOptions {
  return {
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    minVersion: 'TLSv1.2',
    ...(files.caFile ? { ca: readFileSync(files.caFile), requestCert: true, rejectUnauthorized: false } : {}),
  };
}

/** The verified client certificate's SHA-256 fingerprint, or undefined (plain HTTP, none sent, or not signed by the CA). */
export function peerFingerprint(socket: unknown): string | undefined {
  const s = socket as Partial<TLSSocket> | undefined;
  if (!s || typeof s.getPeerCertificate !== 'function' || !s.authorized) return undefined;
  const cert = s.getPeerCertificate();
  return cert && typeof cert.fingerprint256 === 'string' ? normaliseFingerprint(cert.fingerprint256) : undefined;
}

/** Runs after the API key is identified (installAuth) and before rate limits and authorization. */
export function installClientCertCheck(app: FastifyInstance, bindings: ClientCertBindings): void {
  // Callback-style: admin, subject and anonymous requests pass without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const p = request.principal;
    if (!p || p.kind !== 'recipient') return done();
    // A fresh cache entry (the common case) is answered in this turn, without a promise.
    const hit = bindings.cached(p.id);
    if (hit) return done(hit.fingerprint === undefined ? undefined : certRefusal(hit.fingerprint, peerFingerprint(request.raw.socket)));
    bindings.fingerprintOf(p.id).then((bound) => done(bound === undefined ? undefined : certRefusal(bound, peerFingerprint(request.raw.socket))), done);
  });
}

/** Why a recipient bound to certificate `bound` is refused, given the certificate it presented. */
function certRefusal(bound: string, presented: string | undefined): CgError | undefined {
  if (presented === undefined) {
    return new CgError('CLIENT_CERT_REQUIRED', 'this recipient must present its client certificate (mutual TLS) with its API key', 401);
  }
  if (presented !== bound) return new CgError('CLIENT_CERT_MISMATCH', 'the client certificate is not the one bound to this recipient', 403);
  return undefined;
}
