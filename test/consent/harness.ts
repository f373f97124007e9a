import { randomBytes } from 'node:crypto';
import { AdminActions } from '../../src/app/admin-actions.ts';
import { ConsentService, type RegistrySource } from '../../src/app/consent-service.ts';
import { ReceiptKeyring } from '../../src/app/signing-keys.ts';
import { SubjectsService } from '../../src/app/subjects-service.ts';
import { grantRequestSchema, withdrawRequestSchema } from '../../src/core/consent/request.ts';
import type { RegistryModel } from '../../src/core/registry/model.ts';
import { Journal } from '../../src/store/journal.ts';
import { sqlLedgerAppender } from '../../src/store/ledger-appender.ts';
import type { Database } from '../../src/store/sql.ts';

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
  const consent = new ConsentService({ db, journal, admin, registry, subjects, receiptKeys: keys, ...(opts.now ? { now: opts.now } : {}) });
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

export const grantReq = (body: unknown) => grantRequestSchema.parse(body);
export const withdrawReq = (body: unknown) => withdrawRequestSchema.parse(body);

export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return cond();
}
