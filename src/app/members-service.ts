import { randomBytes } from 'node:crypto';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import { CgError } from '../core/errors.ts';
import { MembersRepo, type MemberFilter, type MemberRow } from '../store/members-repo.ts';
import type { Database } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';
import { assertMayMint, type ApiKeys, type ApiKeyView } from './api-keys.ts';
import type { KeyAuthority } from '../core/keys/mint-authority.ts';
import type { RegistryService } from './registry-service.ts';
import { idKey, intern, internOrNull } from '../core/gate/intern.ts';
import { MemberTable } from '../core/gate/member-table.ts';

/** What the release gate needs to know about a member, read synchronously from memory. */
export interface MemberInfo {
  readonly id: string;
  /** The id's key (`idKey`): the gate's per-subject records name members by key. */
  readonly key: number;
  readonly classId: string;
  readonly country: string;
  readonly disabled: boolean;
  /** The version of the class's agreement the member accepted (PIPA 28-8(4)); null: none. */
  readonly agreementVersion: string | null;
}

export interface RegisterMemberInput {
  id?: string | undefined;
  classId: string;
  name: string;
  country: string;
  contact?: Record<string, string> | undefined;
  /** The class agreement version the member accepted; must be the registry's current one. */
  agreementVersion?: string | undefined;
}

export const MEMBERS_CHANNEL_PREFIX = 'cg_members_';
export const MEMBER_ID_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/**
 * Individual recipients registered under a registry class (one seller among thousands). The
 * registry names the class and the countries its members may be in; each member is checked
 * against the active registry when registered, and kept in an in-memory index that the gate
 * reads on the hot path. Other servers learn of new members through NOTIFY.
 */
export class MembersService {
  private readonly repo: MembersRepo;
  private readonly index = new Map<string, MemberInfo>();
  /**
   * The members the release gate knows — every one not disabled — kept beside `index` in the
   * table the gate's allow path reads (fields inline in the slot: src/core/gate/member-table.ts).
   */
  readonly gate = new MemberTable();
  private lastSeq = 0;
  private unlisten: (() => Promise<void>) | undefined;
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly admin: AdminActions,
    private readonly registry: RegistryService,
    private readonly keys: ApiKeys,
  ) {
    this.repo = new MembersRepo(db);
  }

  private get channel() {
    return MEMBERS_CHANNEL_PREFIX + this.db.schema;
  }

  async start(): Promise<void> {
    // The payload names the member: sequence numbers can commit out of order across servers,
    // so catching up by `seq` alone could skip one.
    this.unlisten = await this.db.listen(this.channel, (id) => {
      void this.repo.get(id).then((r) => r && this.remember(r, false)).catch(() => {});
      void this.catchUp().catch(() => {});
    }, () => void this.reloadAll().catch(() => {}));
    await this.catchUp();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** The gate's lookup: synchronous, from memory. */
  get(id: string): MemberInfo | undefined {
    return this.index.get(id);
  }

  get size(): number {
    return this.index.size;
  }

  async register(input: RegisterMemberInput, actor: string): Promise<MemberRow> {
    const model = this.registry.model;
    if (!model) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active yet', 409);
    const party = model.parties.get(input.classId);
    if (!party || party.kind !== 'class') {
      throw new CgError('UNKNOWN_CLASS', `"${input.classId}" is not a recipient class of the active registry`, 422, [
        { code: 'UNKNOWN_CLASS', message: `known classes: ${[...model.parties.values()].filter((p) => p.kind === 'class').map((p) => p.id).join(', ') || '(none)'}`, path: 'class' },
      ]);
    }
    if (!party.countries.includes(input.country)) {
      throw new CgError('COUNTRY_NOT_IN_CLASS', `class ${party.id} covers ${party.countries.join(', ')}, not ${input.country}`, 422, [
        { code: 'COUNTRY_NOT_IN_CLASS', message: `allowed: ${party.countries.join(', ')}`, path: 'country' },
      ]);
    }
    if (input.agreementVersion !== undefined) checkAgreementVersion(party, input.agreementVersion);
    const id = input.id ?? `m_${randomBytes(6).toString('hex')}`;
    if (model.parties.has(id) || this.index.has(id) || (await this.repo.get(id))) {
      throw new CgError('MEMBER_EXISTS', `recipient id "${id}" is already taken`, 409, [{ code: 'MEMBER_EXISTS', message: 'duplicate id', path: 'id' }]);
    }
    // Whether this registration's insert made the row: the answer follows what the database did,
    // never a comparison of stored and sent values (storage may normalise text, and a 409 for a
    // member that was in fact created — with its ledger leaf — would contradict the write).
    let inserted = false;
    await this.admin.record(
      {
        action: 'recipient.register',
        actor,
        target: id,
        facts: { class: party.id, country: input.country, ...(input.agreementVersion !== undefined ? { agreement: `${party.agreement!.id}@${input.agreementVersion}` } : {}) },
      },
      async (tx, at) => {
        inserted = await MembersRepo.insert(tx, {
          id,
          classId: party.id,
          name: input.name,
          country: input.country,
          contact: input.contact ?? {},
          createdBy: actor,
          createdAt: at,
          agreementVersion: input.agreementVersion ?? null,
        });
        await notifyOnCommit(tx, MEMBERS_CHANNEL_PREFIX, id);
      },
    );
    const row = await this.repo.get(id);
    // A racing registration of the same id on another server won the insert: say so.
    if (!inserted || !row) {
      throw new CgError('MEMBER_EXISTS', `recipient id "${id}" is already taken`, 409, [{ code: 'MEMBER_EXISTS', message: 'duplicate id', path: 'id' }]);
    }
    this.remember(row, false);
    return row;
  }

  /**
   * Records that a member accepted its class's current agreement (PIPA 28-8(4)): after the registry
   * names a new version, members are refused (NO_RECIPIENT_CONTRACT) until they accept it.
   */
  async acceptAgreement(id: string, version: string, actor: string): Promise<MemberRow> {
    const existing = await this.repo.get(id);
    if (!existing) throw new CgError('MEMBER_NOT_FOUND', `no member ${id}`, 404, [{ code: 'MEMBER_NOT_FOUND', message: 'unknown member', path: 'params.id' }]);
    const party = this.registry.model?.parties.get(existing.classId);
    if (!party || party.kind !== 'class') throw new CgError('UNKNOWN_CLASS', `class ${existing.classId} is not in the active registry`, 409);
    checkAgreementVersion(party, version);
    await this.admin.record(
      { action: 'recipient.agreement', actor, target: id, facts: { class: party.id, agreement: `${party.agreement!.id}@${version}` } },
      async (tx, at) => {
        await MembersRepo.acceptAgreement(tx, id, version, at);
        await notifyOnCommit(tx, MEMBERS_CHANNEL_PREFIX, id);
      },
    );
    const row = (await this.repo.get(id))!;
    this.remember(row, false);
    return row;
  }

  list(filter: MemberFilter): Promise<MemberRow[]> {
    return this.repo.list(filter);
  }

  find(id: string): Promise<MemberRow | undefined> {
    return this.repo.get(id);
  }

  /**
   * Issues a recipient key for a registered member or a fixed recipient of the active registry.
   * The secret is in the returned `key` only.
   */
  async issueKey(
    recipientId: string,
    actor: string,
    opts: { label?: string; expiresAt?: Date | null; authority?: KeyAuthority } = {},
  ): Promise<{ key: string; view: ApiKeyView }> {
    // Before the lookup: a key that may not mint learns nothing about which recipients exist.
    if (opts.authority) assertMayMint(opts.authority, { kind: 'recipient', scopes: ['release'] });
    const party = this.registry.model?.parties.get(recipientId);
    const known = (party && party.kind === 'recipient') || this.index.has(recipientId);
    if (!known) {
      throw new CgError('UNKNOWN_RECIPIENT', `"${recipientId}" is neither a registered member nor a recipient of the active registry`, 404, [
        { code: 'UNKNOWN_RECIPIENT', message: 'unknown recipient', path: 'id' },
      ]);
    }
    return this.keys.create({ kind: 'recipient', principal: recipientId, scopes: ['release'], label: opts.label ?? '', expiresAt: opts.expiresAt ?? null, actor, ...(opts.authority ? { authority: opts.authority } : {}) });
  }

  /**
   * Re-reads every member, after a lost LISTEN session: the notifications missed may have been an
   * agreement acceptance or a disabling, which change a member the `seq` catch-up already read.
   */
  private reloadAll(): Promise<void> {
    return this.scan(() => 0);
  }

  /** Loads members added since the last load (start-up, and on every NOTIFY). */
  private catchUp(): Promise<void> {
    return this.scan(() => this.lastSeq);
  }

  /** Reads members in `seq` order from `from()` on, one page at a time, queued behind any read running. */
  private scan(from: () => number): Promise<void> {
    const next = this.catchingUp.then(async () => {
      for (let after = from(); ; ) {
        const rows = await this.repo.list({ after, limit: 5000 });
        for (const r of rows) this.remember(r, true);
        if (rows.length < 5000) return;
        after = rows[rows.length - 1]!.seq;
      }
    });
    this.catchingUp = next.catch(() => {});
    return next;
  }

  private remember(r: MemberRow, advance: boolean): void {
    // Class, country and agreement version interned (intern.ts): the gate compares them with its own by pointer.
    // The id too, and the API keys hand the gate the same interned id as the caller's: the gate's
    // member lookup then finds its key by pointer, without reading the key string (a cache line).
    const id = intern(r.id);
    const info: MemberInfo = { id, key: idKey(id), classId: intern(r.classId), country: intern(r.country), disabled: r.disabledAt !== null, agreementVersion: internOrNull(r.agreementVersion) };
    this.index.set(id, info);
    // A disabled member is no longer a recipient the gate knows.
    if (info.disabled) this.gate.delete(id);
    else this.gate.set(id, info);
    if (advance && r.seq > this.lastSeq) this.lastSeq = r.seq;
  }
}

/** A member accepts only the class's current agreement version (PIPA 28-8(4)). */
function checkAgreementVersion(party: { id: string; agreement?: { id: string; version: string } | undefined }, version: string): void {
  if (!party.agreement) {
    throw new CgError('AGREEMENT_VERSION_MISMATCH', `class ${party.id} names no agreement to accept`, 422, [
      { code: 'AGREEMENT_VERSION_MISMATCH', message: 'the class has no agreement', path: 'agreementVersion' },
    ]);
  }
  if (version !== party.agreement.version) {
    throw new CgError('AGREEMENT_VERSION_MISMATCH', `class ${party.id}'s agreement ${party.agreement.id} is at version ${party.agreement.version}, not ${version}`, 422, [
      { code: 'AGREEMENT_VERSION_MISMATCH', message: `current version: ${party.agreement.version}`, path: 'agreementVersion' },
    ]);
  }
}
