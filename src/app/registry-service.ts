import { CgError } from '../core/errors.ts';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import type { Finding } from '../core/lint/finding.ts';
import { lintRegistry } from '../core/lint/index.ts';
import { parseRegistry } from '../core/registry/parse.ts';
import { RegistryModel } from '../core/registry/model.ts';
import { registrySchema } from '../core/registry/schema.ts';
import { RegistryRepo, type RegistryVersionRow } from '../store/registry-repo.ts';
import type { Database } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';

export interface ActiveInfo {
  readonly version: number;
  readonly hash: string;
  readonly activatedAt: Date;
  readonly activatedBy: string;
  readonly model: RegistryModel;
}

export interface Validation {
  readonly model: RegistryModel;
  readonly findings: readonly Finding[];
  readonly source: string;
}

const isValidation = (input: string | Uint8Array | Validation): input is Validation => typeof input === 'object' && 'model' in input;

export type ActivationListener = (active: ActiveInfo) => void;

export const REGISTRY_CHANNEL_PREFIX = 'cg_registry_';

/**
 * The registry's lifecycle: validate (parse + statutory lint), store immutably by content hash,
 * activate atomically (refused while any error finding remains). The active model lives in
 * memory — the gate reads it on every release — and follows activations on other servers
 * through LISTEN/NOTIFY.
 */
export class RegistryService {
  private readonly repo: RegistryRepo;
  private current: ActiveInfo | undefined;
  private readonly listeners = new Set<ActivationListener>();
  private unlisten: (() => Promise<void>) | undefined;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly admin: AdminActions,
  ) {
    this.repo = new RegistryRepo(db);
  }

  private get channel() {
    return REGISTRY_CHANNEL_PREFIX + this.db.schema;
  }

  async start(): Promise<void> {
    const reload = () => void this.reload().catch(() => {});
    this.unlisten = await this.db.listen(this.channel, reload, reload);
    await this.reload();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** The active registry, synchronously (undefined until one is activated). */
  get active(): ActiveInfo | undefined {
    return this.current;
  }

  get model(): RegistryModel | undefined {
    return this.current?.model;
  }

  /** Called after every change of the active registry, here or on another server. */
  onActivated(fn: ActivationListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Parses and lints; throws `CgError` (4xx, with paths) when the document is not a valid registry. */
  validate(input: string | Uint8Array): Validation {
    const parsed = parseRegistry(input);
    const model = new RegistryModel(parsed.registry);
    const findings = lintRegistry(model, parsed.locate);
    const source = typeof input === 'string' ? input : new TextDecoder().decode(input);
    return { model, findings, source };
  }

  /**
   * Stores a version (lint errors allowed: a draft may be stored, never activated). Takes the
   * text, or a `validate` result of it so a caller that already linted it does not parse it again.
   */
  async store(input: string | Uint8Array | Validation, actor: string): Promise<{ row: RegistryVersionRow; created: boolean; findings: readonly Finding[]; validation: Validation }> {
    const v = isValidation(input) ? input : this.validate(input);
    const { row, created } = await this.repo.store({ hash: v.model.hash, source: v.source, document: v.model.doc, createdBy: actor });
    return { row, created, findings: v.findings, validation: v };
  }

  /**
   * Refuses a registry with error findings: 422 REGISTRY_HAS_ERRORS, every error finding as a
   * detail (with its path and line), all findings as the problem's `findings`. Activation (here
   * and in the console, before anything is stored) refuses with this one error.
   */
  assertActivatable(v: Validation, version?: number): void {
    const errors = v.findings.filter((f) => f.severity === 'error');
    if (errors.length === 0) return;
    throw new CgError(
      'REGISTRY_HAS_ERRORS',
      `${version === undefined ? 'the registry' : `registry version ${version}`} has ${errors.length} error finding(s); fix them before activating`,
      422,
      errors.map((f) => ({ code: f.code, message: f.message, path: f.path, ...(f.line ? { line: f.line, column: f.column } : {}) })),
      { findings: v.findings },
    );
  }

  /**
   * Makes a stored version active. The stored source is linted again (rules may have changed
   * since it was stored); any error finding refuses activation with ALL findings listed.
   * `expectActive`: the hash of the registry the caller expects to replace (null: none), checked
   * against the database's active row — 409 CONFIRMATION_STALE otherwise. `validated`: a
   * `validate` result the caller made just now; used instead of linting again when its source is
   * the stored one.
   */
  async activate(version: number, actor: string, opts: { expectActive?: string | null; validated?: Validation } = {}): Promise<{ info: ActiveInfo; findings: readonly Finding[]; changed: boolean }> {
    const stored = await this.repo.get(version);
    if (!stored) {
      throw new CgError('REGISTRY_VERSION_NOT_FOUND', `registry version ${version} does not exist`, 404, [
        { code: 'REGISTRY_VERSION_NOT_FOUND', message: 'unknown version', path: 'version' },
      ]);
    }
    const v = opts.validated?.source === stored.source ? opts.validated : this.validate(stored.source);
    this.assertActivatable(v, version);
    const cur = await this.repo.active();
    // A confirmed change (the console's dry run) names the registry it replaces: if the database
    // says another one is active by now (another officer, another server), the confirmation is stale.
    if (opts.expectActive !== undefined && (cur?.hash ?? null) !== opts.expectActive) {
      throw new CgError('CONFIRMATION_STALE', 'another registry version was activated since the dry run: run it again and confirm what it shows', 409, [
        { code: 'CONFIRMATION_STALE', message: 'the active registry changed', path: 'confirmation' },
      ]);
    }
    if (cur?.version === version) {
      await this.reload();
      return { info: this.current!, findings: v.findings, changed: false };
    }
    await this.admin.record(
      { action: 'registry.activate', actor, target: String(version), facts: { hash: stored.hash } },
      async (tx, at) => {
        await RegistryRepo.activate(tx, version, actor, at);
        await notifyOnCommit(tx, REGISTRY_CHANNEL_PREFIX, String(version));
      },
    );
    await this.reload();
    return { info: this.current!, findings: v.findings, changed: true };
  }

  list(limit?: number, before?: number) {
    return this.repo.list(limit, before);
  }

  /** Activations, newest first (a version activated twice appears twice). */
  activations(limit?: number) {
    return this.repo.activations(limit);
  }

  getVersion(version: number) {
    return this.repo.get(version);
  }

  /** The stored version with this hash, if any (one indexed lookup). */
  byHash(hash: string) {
    return this.repo.byHash(hash);
  }

  /** Re-reads the active version; serialised so NOTIFY storms cannot interleave. */
  reload(): Promise<void> {
    const next = this.reloading.then(() => this.doReload());
    this.reloading = next.catch(() => {});
    return next;
  }

  private async doReload(): Promise<void> {
    const row = await this.repo.active();
    if (!row) return;
    if (this.current && this.current.version === row.version) return;
    const model = new RegistryModel(registrySchema.parse(row.document));
    this.current = { version: row.version, hash: row.hash, activatedAt: new Date(row.activatedAt), activatedBy: row.activatedBy, model };
    for (const fn of this.listeners) {
      try {
        fn(this.current);
      } catch {
        // A listener's failure must not stop the registry from switching.
      }
    }
  }
}
