/**
 * Child process of crash.test.ts: appends through Journal + the durable appender as fast as it
 * can, printing `ack <index>` for every acknowledged append and `cp <size> <root>` for every
 * checkpoint it sees issued, until the parent kills it with SIGKILL.
 * argv: <pglite data dir> | postgres <url> <schema>
 */
import { LedgerService } from '../../src/app/ledger-service.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { openDatabase } from '../../src/store/open.ts';

const [a, b, c] = process.argv.slice(2);
const db = a === 'postgres' ? await openDatabase({ databaseUrl: b!, schema: c! }) : await openDatabase({ dataDir: a! });
await db.exec('CREATE TABLE IF NOT EXISTS t_crash (leaf bigint PRIMARY KEY, n int NOT NULL)');
const journal = new Journal(db, sqlLedgerAppender, { maxBatch: 50 });
journal.register<{ n: number }>('crash', async (tx, rows) => {
  await tx.query('INSERT INTO t_crash SELECT * FROM unnest($1::int8[], $2::int[])', [rows.map((r) => r.leafIndex), rows.map((r) => r.row.n)]);
});
const ledger = new LedgerService(db, journal, { origin: 'crash.test/log', checkpointEvery: 40, checkpointIntervalMs: 15 });
await ledger.start();
process.stdout.write(`key ${ledger.verifierKey}\n`);

let n = 0;
let lastCp = -1;
const write = (s: string) => process.stdout.write(s);
for (;;) {
  const batch = Array.from({ length: 25 }, () => {
    const k = n++;
    return journal.append('crash', { n: k }, { n: k, subject: `sp_${k % 5}` }).then((r) => write(`ack ${r.leafIndex}\n`));
  });
  await Promise.all(batch);
  const cp = await ledger.checkpoints.latest();
  if (cp && cp.size !== lastCp) {
    lastCp = cp.size;
    write(`cp ${cp.size} ${Buffer.from(cp.root).toString('base64')}\n`);
  }
}
