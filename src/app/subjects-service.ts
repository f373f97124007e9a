import { z } from 'zod';
import type { SubjectRecord } from '../core/consent/subject.ts';
import { canonicalJson } from '../core/canonical.ts';
import { pseudonymize } from '../core/crypto/pseudonym.ts';
import { CgError } from '../core/errors.ts';
import type { SubjectInfo } from '../core/gate/types.ts';
import type { GateRecords } from '../core/gate/gate-records.ts';
import { SubjectsRepo } from '../store/subjects-repo.ts';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import type { Database } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';
import type { ApiKeys } from './api-keys.ts';
import { isoDate } from '../core/time/date-range.ts';

export const SUBJECTS_CHANNEL_PREFIX = 'cg_subjects_';

export const subjectIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, '1–128 letters, digits, "_", ".", ":", "@" or "-"');

export const createSubjectSchema = z
  .strictObject({
    id: subjectIdSchema,
    jurisdiction: z.enum(['KR', 'EU']),
    birthDate: isoDate().optional(),
    isChild: z.boolean().optional(),
    /** Who may consent for a child; kept as given (the operator's verification reference, not identity documents). */
    guardian: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/), z.string().max(200)).refine((r) => Object.keys(r).length <= 10).optional(),
    /** Also issue a subject API key (the subject's token for its own consents). Default true. */
    issueToken: z.boolean().default(true),
  });
export type CreateSubjectInput = z.input<typeof createSubjectSchema>;

/**
 * Data subjects: created by the operator (admin), held in memory for the gate and the consent
 * ledger, which read them synchronously. Other servers learn of new subjects through NOTIFY and
 * fall back to the database on a miss. `update` is the hook for later state (erasure).
 */
export class SubjectsService {
  private readonly repo: SubjectsRepo;
  private readonly byId = new Map<string, SubjectRecord>();
  private readonly completing = new Map<string, Promise<unknown>>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly admin: AdminActions,
    private readonly pseudonymKey: Uint8Array,
    private readonly keys?: ApiKeys,
    private readonly now: () => number = Date.now,
    /** The gate's per-subject records: every stored record's gate view is written there too. */
    private readonly records?: GateRecords,
  ) {
    this.repo = new SubjectsRepo(db);
  }

  private get channel() {
    return SUBJECTS_CHANNEL_PREFIX + this.db.schema;
  }

  async start(): Promise<void> {
    // After a lost LISTEN session the missed notifications are unknown: every subject is re-read, as at start.
    this.unlisten = await this.db.listen(this.channel, (id) => void this.reload(id).catch(() => {}), () => void this.loadAll().catch(() => {}));
    await this.loadAll();
  }

  private async loadAll(): Promise<void> {
    for (const s of await this.repo.all()) {
      // A row read before this server's own erasure committed must not undo it in memory.
      if (s.erasedAt === null && (this.byId.get(s.id)?.erasedAt ?? null) !== null) continue;
      this.put(s.id, s);
    }
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  private put(id: string, s: SubjectRecord): void {
    this.byId.set(id, s);
    // The gate's view, one frozen object per record (always the same shape), kept in its record.
    const info: SubjectInfo = Object.freeze({ jurisdiction: s.jurisdiction, erased: s.erasedAt !== null, collectedAt: s.createdAt, contractEndedAt: undefined });
    this.records?.subject(id, info);
  }

  record(id: string): SubjectRecord | undefined {
    return this.byId.get(id);
  }

  /** From memory, else from the database (created on another server whose NOTIFY has not arrived). */
  async require(id: string): Promise<SubjectRecord> {
    const s = this.byId.get(id) ?? (await this.reload(id));
    if (!s) throw new CgError('UNKNOWN_SUBJECT', `no subject "${id}"`, 404, [{ code: 'UNKNOWN_SUBJECT', message: 'unknown subject', path: 'id' }]);
    return s;
  }

  pseudonymOf(id: string): string {
    return this.byId.get(id)?.pseudonym ?? pseudonymize(this.pseudonymKey, id);
  }

  async reload(id: string): Promise<SubjectRecord | undefined> {
    const s = await this.repo.get(id);
    if (s) this.put(id, s);
    return s;
  }

  /** Replaces the in-memory record (e.g. after erasure); the caller has already stored the change. */
  update(s: SubjectRecord): void {
    this.put(s.id, s);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Creates a subject and, unless `issueToken` is false, its subject token. The two are separate
   * admin actions (each its own ledger leaf); a create cut off between them (a crash) leaves a
   * subject whose row says a token was asked for and none exists. Retrying the identical create
   * then completes it — it issues the token — where any other create of an existing id is 409.
   */
  async create(input: z.output<typeof createSubjectSchema>, actor: string): Promise<{ subject: SubjectRecord; token?: string }> {
    const existing = this.byId.get(input.id) ?? (await this.reload(input.id));
    if (existing) return this.complete(existing, input, actor);
    if (input.birthDate && Date.parse(input.birthDate) > this.now()) {
      throw new CgError('INVALID_BIRTH_DATE', 'birth date is in the future', 422, [{ code: 'INVALID_BIRTH_DATE', message: 'in the future', path: 'birthDate' }]);
    }
    const pseudonym = pseudonymize(this.pseudonymKey, input.id);
    const record: SubjectRecord = {
      id: input.id,
      pseudonym,
      jurisdiction: input.jurisdiction,
      birthDate: input.birthDate ?? null,
      isChild: input.isChild ?? null,
      guardian: input.guardian ?? null,
      createdAt: this.now(),
      erasedAt: null,
    };
    const wantsToken = input.issueToken && this.keys !== undefined;
    let inserted = false;
    // The log names the pseudonym only: the customer id is personal data.
    await this.admin.record(
      { action: 'subject.create', actor, target: pseudonym, facts: { jurisdiction: input.jurisdiction } },
      async (tx) => {
        inserted = await SubjectsRepo.insert(tx, record, wantsToken);
        if (inserted) await notifyOnCommit(tx, SUBJECTS_CHANNEL_PREFIX, input.id);
      },
    );
    // ON CONFLICT DO NOTHING: a concurrent create of the same id on another server won.
    const stored = await this.reload(input.id);
    if (!inserted || !stored) throw exists(input.id);
    if (!wantsToken) return { subject: stored };
    return { subject: stored, token: await this.issueToken(input.id, actor) };
  }

  /** The retry of a create cut off before its token: issue the token; anything else is SUBJECT_EXISTS. */
  private complete(existing: SubjectRecord, input: z.output<typeof createSubjectSchema>, actor: string): Promise<{ subject: SubjectRecord; token?: string }> {
    // One completion per subject at a time in this process, so two retries cannot both issue a token.
    const prev = this.completing.get(input.id) ?? Promise.resolve();
    const run = prev.catch(() => {}).then(async () => {
      const keys = this.keys;
      if (!input.issueToken || !keys || existing.erasedAt !== null || !sameFacts(existing, input)) throw exists(input.id);
      if (!(await this.repo.tokenRequested(input.id))) throw exists(input.id);
      const issued = await keys.list({ kind: 'subject', principal: input.id, includeRevoked: true });
      if (issued.length > 0) throw exists(input.id);
      return { subject: existing, token: await this.issueToken(input.id, actor) };
    });
    const tail = run.catch(() => {});
    this.completing.set(input.id, tail);
    void tail.then(() => {
      if (this.completing.get(input.id) === tail) this.completing.delete(input.id);
    });
    return run;
  }

  private async issueToken(id: string, actor: string): Promise<string> {
    const { key } = await this.keys!.create({ kind: 'subject', principal: id, scopes: ['subject'], label: 'subject token', actor });
    return key;
  }
}

const exists = (id: string) => new CgError('SUBJECT_EXISTS', `subject "${id}" already exists`, 409, [{ code: 'SUBJECT_EXISTS', message: 'duplicate id', path: 'id' }]);

/** The stored subject is the one this create describes (a retry, not a different subject under a reused id). */
function sameFacts(s: SubjectRecord, input: z.output<typeof createSubjectSchema>): boolean {
  return (
    s.jurisdiction === input.jurisdiction &&
    s.birthDate === (input.birthDate ?? null) &&
    s.isChild === (input.isChild ?? null) &&
    canonicalJson(s.guardian) === canonicalJson(input.guardian ?? null)
  );
}
