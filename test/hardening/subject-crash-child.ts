/**
 * Child process of subject-crash.test.ts: the real app on a durable database, with one test
 * hook — the subject token's key creation blocks forever after announcing itself. The parent
 * SIGKILLs the process at that moment: after the subject's transaction committed, before its
 * token's. argv: <data dir> [postgres <url> <schema>]; prints `ready`, then `between`.
 */
import { createApp } from '../../src/app/create.ts';
import { testConfig } from '../../src/config.ts';
import type { CreateKeyInput } from '../../src/app/api-keys.ts';

const [dataDir, pg, url, schema] = process.argv.slice(2);
const admin = process.env.CG_TEST_ADMIN_KEY!;
const app = await createApp(testConfig({ dataDir, ...(pg === 'postgres' ? { databaseUrl: url, schema } : {}), adminKey: admin }));
const keys = app.ctx.keys;
const create = keys.create.bind(keys);
keys.create = async (input: CreateKeyInput) => {
  if (input.kind === 'subject') {
    process.stdout.write('between\n');
    return new Promise<never>(() => {});
  }
  return create(input);
};
process.stdout.write('ready\n');
await app.server.inject({
  method: 'POST',
  url: '/v1/subjects',
  headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
  payload: JSON.stringify({ id: 'cust-crash', jurisdiction: 'KR', birthDate: '1990-04-01' }),
});
process.stdout.write('answered\n');
