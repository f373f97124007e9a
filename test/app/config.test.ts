import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

it('defaults are safe: loopback, port 8080, PGlite under ./.consentgate', () => {
  const c = loadConfig({});
  expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: './.consentgate', demo: true, bodyLimit: 256 * 1024 });
  expect(c.databaseUrl).toBeUndefined();
});

it('DATABASE_URL replaces the embedded database; bad values name the variable', () => {
  expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toMatchObject({ databaseUrl: 'postgres://u@h/db', dataDir: undefined });
  expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  expect(loadConfig({ CONSENTGATE_DEMO: 'false' }).demo).toBe(false);
});

it('an empty variable counts as unset', () => {
  expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 8080 });
});

it('OpenID Connect sign-in: issuer, client id and redirect URI together, or none', () => {
  expect(loadConfig({}).oidc).toBeUndefined();
  const env = { CONSENTGATE_OIDC_ISSUER: 'https://id.example/realms/staff', CONSENTGATE_OIDC_CLIENT_ID: 'consentgate', CONSENTGATE_OIDC_REDIRECT_URI: 'https://cg.example/console/auth/oidc/callback' };
  expect(loadConfig(env).oidc).toEqual({ issuer: env.CONSENTGATE_OIDC_ISSUER, clientId: 'consentgate', clientSecret: undefined, redirectUri: env.CONSENTGATE_OIDC_REDIRECT_URI, linkByEmail: true, allowHttp: false });
  expect(loadConfig({ ...env, CONSENTGATE_OIDC_CLIENT_SECRET: 's3cret', CONSENTGATE_OIDC_LINK_EMAIL: 'false' }).oidc).toMatchObject({ clientSecret: 's3cret', linkByEmail: false });
  expect(() => loadConfig({ CONSENTGATE_OIDC_ISSUER: env.CONSENTGATE_OIDC_ISSUER })).toThrow(/CONSENTGATE_OIDC_ISSUER: set CONSENTGATE_OIDC_ISSUER, CONSENTGATE_OIDC_CLIENT_ID and CONSENTGATE_OIDC_REDIRECT_URI together/);
  expect(() => loadConfig({ ...env, CONSENTGATE_OIDC_ISSUER: 'ftp://id.example' })).toThrow(/CONSENTGATE_OIDC_ISSUER/);
});
