import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startNodeFlags } from '../../bench/start-flags.ts';

/**
 * The server's V8 settings (the young generation's size: docs/release-history.md) have one definition,
 * package.json's `start` script. The bench server reads it (bench/start-flags.ts); the container
 * cannot, so its CMD must say the same, and every flag must be one this Node accepts (a mistyped
 * V8 flag stops node before the server starts).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const flags = startNodeFlags(ROOT);

describe('the server’s node flags', () => {
  it('deploy/Dockerfile runs the server with npm start’s flags', () => {
    const cmd = /^CMD (\[.*\])\s*$/m.exec(readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8'));
    expect(cmd, 'CMD ["node", …flags, "bin/server.mjs"]').not.toBeNull();
    expect(JSON.parse(cmd![1]!)).toEqual(['node', ...flags, 'bin/server.mjs']);
  });

  it('are all accepted by this node', () => {
    expect(flags.length).toBeGreaterThan(0);
    expect(() => execFileSync(process.execPath, [...flags, '-e', '0'], { stdio: 'pipe' })).not.toThrow();
  });
});
