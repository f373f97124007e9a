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
