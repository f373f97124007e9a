import { randomBytes } from 'node:crypto';
import { AdminActions } from '../../src/app/admin-actions.ts';
import { ConsentService, type RegistrySource } from '../../src/app/consent-service.ts';
import { ReceiptKeyring } from '../../src/app/signing-keys.ts';
import { SubjectsService } from '../../src/app/subjects-service.ts';
import { grantRequestSchema, withdrawRequestSchema } from '../../src/core/consent/request.ts';
import type { RegistryModel } from '../../src/core/registry/model.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import { openDatabase } from '../../src/store/open.ts';
import type { Database, Engine } from '../../src/store/sql.ts';
import { POSTGRES_URL, openTestDatabase } from '../support/engines.ts';

/** A mutable registry holder that notifies like RegistryService does on activation. */
export class RegistryHolder implements RegistrySource {
  private readonly fns: Array<() => void> = [];
  constructor(public model: RegistryModel) {}
  onActivated(fn: () => void) {
    this.fns.push(fn);
  }
  activate(m: RegistryModel) {
    this.model = m;
    for (const f of this.fns) f();
  }
}

export interface Server {
  readonly journal: Journal;
  readonly subjects: SubjectsService;
  readonly consent: ConsentService;
  readonly registry: RegistryHolder;
  readonly keys: ReceiptKeyring;
  stop(): Promise<void>;
}

/** One "server": its own journal, services and signing key, on a shared database. */
export async function startServer(db: Database, model: RegistryModel, opts: { pseudonymKey?: Uint8Array; now?: () => number } = {}): Promise<Server> {
  const journal = new Journal(db, sqlLedgerAppender);
  const admin = new AdminActions(journal);
  const registry = new RegistryHolder(model);
  const keys = ReceiptKeyring.ephemeral();
  const subjects = new SubjectsService(db, admin, opts.pseudonymKey ?? new Uint8Array(randomBytes(32)), undefined, opts.now);
  const consent = new ConsentService({ db, journal, admin, registry, subjects, members: testSellers, receiptKeys: keys, ...(opts.now ? { now: opts.now } : {}) });
  await subjects.start();
  await consent.start();
  return {
    journal,
    subjects,
    consent,
    registry,
    keys,
    async stop() {
      await journal.drain();
      await consent.stop();
      await subjects.stop();
      await journal.close();
    },
  };
}

/** Members of the demo class `cn_sellers`: every id starting with `seller-` is a seller in CN. */
export const testSellers = {
  get: (id: string) => (id.startsWith('seller-') ? { classId: 'cn_sellers' } : undefined),
  find: async (id: string) =>
    id.startsWith('seller-') ? { classId: 'cn_sellers', name: `Seller ${id.slice(7)} Co., Ltd.`, country: 'CN', contact: { email: `${id}@sellers.example` }, disabledAt: null } : undefined,
};

export const grantReq = (body: unknown) => grantRequestSchema.parse(body);
export const withdrawReq = (body: unknown) => withdrawRequestSchema.parse(body);


export interface ServerPair {
  readonly a: Server;
  readonly b: Server;
  stop(): Promise<void>;
}

/**
 * Two servers sharing one database, as two processes would: on PostgreSQL each has its own
 * connections (two handles on one schema), on PGlite they share the one handle. `wrapA` lets a
 * test observe server A's database calls.
 */
export async function startServerPair(engine: Engine, model: RegistryModel, wrapA: (db: Database) => Database = (db) => db): Promise<ServerPair> {
  const db1 = await openTestDatabase(engine);
  const db2 = engine === 'postgres' ? await openDatabase({ databaseUrl: POSTGRES_URL, schema: db1.schema }) : db1;
  const pseudonymKey = new Uint8Array(randomBytes(32));
  const a = await startServer(wrapA(db1), model, { pseudonymKey });
  const b = await startServer(db2, model, { pseudonymKey });
  return {
    a,
    b,
    async stop() {
      await a.stop();
      await b.stop();
      if (db2 !== db1) await db2.close();
      await db1.close();
    },
  };
}
