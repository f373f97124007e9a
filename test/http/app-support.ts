import { readFileSync } from 'node:fs';
import { createApp, type App } from '../../src/app/create.ts';
import { testConfig, type AppConfig } from '../../src/config.ts';

export const DEMO_YAML = readFileSync(new URL('../../examples/marketplace/registry.yaml', import.meta.url), 'utf8');

export interface TestApp extends App {
  /** An admin key with every scope. */
  readonly adminKey: string;
  auth(key?: string): { authorization: string };
}

/** An app on in-memory PGlite with the demo registry active and a `*` admin key. */
export async function testApp(over: Partial<AppConfig> = {}, opts: { activate?: boolean } = {}): Promise<TestApp> {
  const app = await createApp(testConfig(over));
  const { key } = await app.ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], actor: 'test' });
  if (opts.activate ?? true) {
    const stored = await app.ctx.registry.store(DEMO_YAML, 'test');
    await app.ctx.registry.activate(stored.row.version, 'test');
  }
  return Object.assign(app, { adminKey: key, auth: (k: string = key) => ({ authorization: `Bearer ${k}` }) });
}
