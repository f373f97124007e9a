import { readFile } from 'node:fs/promises';
import { MarkersRepo } from '../store/markers-repo.ts';
import type { AppContext } from './context.ts';

export interface FirstStart {
  /** The generated admin key — only on the very first start of this database. */
  readonly adminKey?: string;
  /** Set when this start activated the bundled registry. */
  readonly activatedVersion?: number;
}

/**
 * What `npm start` does before listening: activate the configured registry file when nothing is
 * active yet, and issue an admin key once per database (a marker remembers it was issued, so
 * later starts — or a second server — never print a new one).
 */
export async function firstStart(ctx: AppContext): Promise<FirstStart> {
  let activatedVersion: number | undefined;
  if (!ctx.registry.active) {
    const source = await readFile(ctx.config.registryFile);
    const stored = await ctx.registry.store(source, 'system');
    const r = await ctx.registry.activate(stored.row.version, 'system', { validated: stored.validation });
    activatedVersion = r.info.version;
  }
  let adminKey: string | undefined;
  if (!ctx.config.adminKey && (await new MarkersRepo(ctx.db).claim('first_admin_key', new Date().toISOString()))) {
    const { key } = await ctx.keys.create({ kind: 'admin', principal: 'operator', scopes: ['*'], label: 'first start', actor: 'system' });
    adminKey = key;
  }
  return { ...(adminKey ? { adminKey } : {}), ...(activatedVersion !== undefined ? { activatedVersion } : {}) };
}
