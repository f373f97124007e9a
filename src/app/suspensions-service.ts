import { randomBytes } from 'node:crypto';
import { notifyOnCommit } from '../store/notify-on-commit.ts';
import { CgError } from '../core/errors.ts';
import { SuspensionIndex } from '../core/gate/suspension-index.ts';
import type { SuspensionInfo } from '../core/gate/types.ts';
import type { Database, Sql } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';
import type { RegistryService } from './registry-service.ts';

export const SUSPENSIONS_CHANNEL_PREFIX = 'cg_suspensions_';

/** A PIPC suspension order (PIPA 28-9) as recorded by the operator. */
export interface Suspension {
  readonly id: string;
  readonly country: string | null;
  readonly recipient: string | null;
  /** ISO 8601: releases are refused from this instant on. */
  readonly effective_from: string;
  /** The PIPC order's reference (decision number, date). */
  readonly reference: string;
  readonly note: string;
  readonly created_at: string;
  readonly created_by: string;
  /** ISO 8601: from this instant the order no longer applies (null while in force). */
  readonly lifted_from: string | null;
  /** The PIPC decision lifting the order. */
  readonly lift_reference: string | null;
  readonly lifted_at: string | null;
  readonly lifted_by: string | null;
}

export interface LiftSuspensionInput {
  readonly liftedFrom: string;
  readonly reference: string;
}

export interface RecordSuspensionInput {
  readonly country?: string | undefined;
  readonly recipient?: string | undefined;
  readonly effectiveFrom: string;
  readonly reference: string;
  readonly note?: string | undefined;
}

interface Row {
  id: string;
  seq: number;
  country: string | null;
  recipient: string | null;
  effective_from: Date | string;
  reference: string;
  note: string;
  created_at: Date | string;
  created_by: string;
  lifted_from: Date | string | null;
  lift_reference: string | null;
  lifted_at: Date | string | null;
  lifted_by: string | null;
}

/**
 * Suspension orders of the PIPC (PIPA 28-9): the operator records one for a destination country or
 * one recipient (a registry recipient, a class or a member), from a date; from then on the gate
 * refuses every release it covers (TRANSFER_SUSPENDED). An order is a journaled admin action (its
 * own ledger leaf); orders are never edited or deleted. When the PIPC lifts one, the operator
 * records that (another admin action): the order stays, with the instant it stopped applying, so
 * the log and the gate keep what was in force when.
 */
export class SuspensionsService {
  private readonly index = new SuspensionIndex();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Database,
    private readonly admin: AdminActions,
    private readonly registry: RegistryService,
    private readonly members: { get(id: string): unknown },
  ) {}

  private get channel() {
    return SUSPENSIONS_CHANNEL_PREFIX + this.db.schema;
  }

  async start(): Promise<void> {
    // Every NOTIFY, and every re-established LISTEN session (notifications lost meanwhile), re-reads all orders.
    const load = () => void this.load().catch(() => {});
    this.unlisten = await this.db.listen(this.channel, load, load);
    await this.load();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** The gate's lookup (see SuspensionIndex.find). */
  find(recipient: string, classId: string | undefined, country: string, at: number): SuspensionInfo | undefined {
    return this.index.find(recipient, classId, country, at);
  }

  async record(input: RecordSuspensionInput, actor: string): Promise<Suspension> {
    if ((input.country === undefined) === (input.recipient === undefined)) {
      throw new CgError('VALIDATION_FAILED', 'name exactly one of country and recipient', 422, [
        { code: 'REQUIRED', message: 'exactly one of country and recipient', path: input.country === undefined ? 'country' : 'recipient' },
      ]);
    }
    if (input.recipient !== undefined && !this.registry.model?.parties.has(input.recipient) && this.members.get(input.recipient) === undefined) {
      throw new CgError('UNKNOWN_RECIPIENT', `"${input.recipient}" is neither a recipient or class of the active registry nor a registered member`, 422, [
        { code: 'UNKNOWN_RECIPIENT', message: 'unknown recipient', path: 'recipient' },
      ]);
    }
    const id = 'sus_' + randomBytes(9).toString('base64url');
    const from = new Date(input.effectiveFrom);
    await this.admin.record(
      {
        action: 'transfer.suspend',
        actor,
        target: id,
        facts: { ...(input.country ? { country: input.country } : { recipient: input.recipient! }), effective_from: from.toISOString(), reference: input.reference },
      },
      async (tx: Sql, at) => {
        await tx.query(
          `INSERT INTO transfer_suspensions (id, country, recipient, effective_from, reference, note, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
          [id, input.country ?? null, input.recipient ?? null, from, input.reference, input.note ?? '', at, actor],
        );
        await notifyOnCommit(tx, SUSPENSIONS_CHANNEL_PREFIX, id);
      },
    );
    const s = await this.get(id);
    this.remember(s);
    return s;
  }

  /** Records that the PIPC lifted an order, from an instant on (not before the order began). */
  async lift(id: string, input: LiftSuspensionInput, actor: string): Promise<Suspension> {
    const s = await this.get(id);
    if (s.lifted_from !== null) {
      throw new CgError('SUSPENSION_ALREADY_LIFTED', `suspension order ${id} was lifted from ${s.lifted_from}`, 409, [
        { code: 'SUSPENSION_ALREADY_LIFTED', message: 'already lifted', path: 'params.id' },
      ]);
    }
    const from = new Date(input.liftedFrom);
    if (from.getTime() < Date.parse(s.effective_from)) {
      throw new CgError('VALIDATION_FAILED', 'an order cannot be lifted before it took effect', 422, [
        { code: 'BEFORE_EFFECTIVE_FROM', message: `lifted_from must not be before ${s.effective_from}`, path: 'lifted_from' },
      ]);
    }
    await this.admin.record(
      { action: 'transfer.suspension_lift', actor, target: id, facts: { lifted_from: from.toISOString(), reference: input.reference } },
      async (tx: Sql, at) => {
        // Conditional: a concurrent lift by another server leaves the first one standing.
        await tx.query(
          `UPDATE transfer_suspensions SET lifted_from = $2, lift_reference = $3, lifted_at = $4, lifted_by = $5
           WHERE id = $1 AND lifted_from IS NULL`,
          [id, from, input.reference, at, actor],
        );
        await notifyOnCommit(tx, SUSPENSIONS_CHANNEL_PREFIX, id);
      },
    );
    const lifted = await this.get(id);
    this.remember(lifted);
    return lifted;
  }

  async list(): Promise<Suspension[]> {
    const rows = await this.db.query<Row>('SELECT * FROM transfer_suspensions ORDER BY seq');
    return rows.map(view);
  }

  async get(id: string): Promise<Suspension> {
    const [row] = await this.db.query<Row>('SELECT * FROM transfer_suspensions WHERE id = $1', [id]);
    if (!row) throw new CgError('SUSPENSION_NOT_FOUND', `no suspension order ${id}`, 404, [{ code: 'SUSPENSION_NOT_FOUND', message: 'unknown id', path: 'params.id' }]);
    return view(row);
  }

  private async load(): Promise<void> {
    for (const s of await this.list()) this.remember(s);
  }

  private remember(s: Suspension): void {
    this.index.add({
      id: s.id,
      country: s.country ?? undefined,
      recipient: s.recipient ?? undefined,
      from: Date.parse(s.effective_from),
      until: s.lifted_from === null ? undefined : Date.parse(s.lifted_from),
    });
  }
}

function view(r: Row): Suspension {
  return {
    id: r.id,
    country: r.country,
    recipient: r.recipient,
    effective_from: new Date(r.effective_from).toISOString(),
    reference: r.reference,
    note: r.note,
    created_at: new Date(r.created_at).toISOString(),
    created_by: r.created_by,
    lifted_from: r.lifted_from === null ? null : new Date(r.lifted_from).toISOString(),
    lift_reference: r.lift_reference,
    lifted_at: r.lifted_at === null ? null : new Date(r.lifted_at).toISOString(),
    lifted_by: r.lifted_by,
  };
}
