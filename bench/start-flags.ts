import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The node flags `npm start` runs the server with (package.json's `start` script, the words between
 * `node` and `bin/server.mjs`): the one definition of the server's V8 settings. The bench server
 * (bench/release.ts) runs with them unless BENCH_SERVER_NODE_FLAGS says otherwise, and
 * deploy/Dockerfile's CMD must name the same (test/package/node-flags.test.ts).
 */
export function startNodeFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/).filter(Boolean);
  const entry = words.indexOf('bin/server.mjs');
  if (words[0] !== 'node' || entry < 0) throw new Error(`package.json start is not "node <flags> bin/server.mjs": ${pkg.scripts.start}`);
  return words.slice(1, entry);
}
