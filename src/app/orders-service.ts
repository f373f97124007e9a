import { canonicalJson, sha256Hex } from '../core/canonical.ts';
import { CgError } from '../core/errors.ts';
import type { OrderInfo } from '../core/gate/types.ts';
import type { GateRecords } from '../core/gate/gate-records.ts';
import { OrdersRepo, type OrderRow } from '../store/orders-repo.ts';
import type { Database } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';
import type { RegistryService } from './registry-service.ts';
import type { Order as OrderView } from '../client/wire.ts';

export const ORDERS_CHANNEL_PREFIX = 'cg_orders_';
export const ORDER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

export interface RegisterOrderInput {
  readonly id: string;
  readonly subject: string;
  /** The class member (seller) the order was placed with. */
  readonly recipient: string;
  readonly declarations: readonly string[];
  /** ISO 8601; the registration time when omitted. */
  readonly placedAt?: string | undefined;
}

/** An order as the API answers it: the client's wire type (src/client/wire.ts), one definition. */
export type { Order as OrderView } from '../client/wire.ts';

export function orderView(o: OrderRow, replayed: boolean): OrderView {
  return {
    id: o.id,
    subject: o.subject,
    recipient: o.recipient,
    declarations: o.declarations,
    placedAt: o.placedAt.toISOString(),
    createdAt: o.createdAt.toISOString(),
    replayed,
  };
}

export interface OrdersDeps {
  readonly db: Database;
  readonly admin: AdminActions;
  readonly registry: RegistryService;
  readonly members: { get(id: string): { classId: string; disabled: boolean } | undefined };
  readonly subjects: { require(id: string): Promise<{ id: string; pseudonym: string }> };
  /** The gate's per-subject records: every order is written there too, under its subject. */
  readonly records?: GateRecords;
}

/**
 * Orders (PIPA 17(2)1, 18): the marketplace registers each order — which customer bought from
 * which seller, under which declarations — and the gate releases to a seller only for a customer
 * of one of its orders. Orders are kept in an in-memory index the gate reads synchronously: loaded
 * at start, updated when this server writes one (after it is durable) and, on other servers,
 * through NOTIFY. Registration is idempotent on the order id.
 */
export class OrdersService {
  private readonly repo: OrdersRepo;
  private readonly index = new Map<string, OrderInfo>();
  private lastSeq = 0;
  private unlisten: (() => Promise<void>) | undefined;
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(private readonly deps: OrdersDeps) {
    this.repo = new OrdersRepo(deps.db);
  }

  private get channel() {
    return ORDERS_CHANNEL_PREFIX + this.deps.db.schema;
  }

  async start(): Promise<void> {
    this.unlisten = await this.deps.db.listen(this.channel, (id) => {
      void this.repo.get(id).then((r) => r && this.remember(r, false)).catch(() => {});
      void this.catchUp().catch(() => {});
    });
    await this.catchUp();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /** The gate's lookup by `order_ref`: synchronous, from memory. */
  get(orderRef: string): OrderInfo | undefined {
    return this.index.get(orderRef);
  }

  get size(): number {
    return this.index.size;
  }

  find(id: string): Promise<OrderRow | undefined> {
    return this.repo.get(id);
  }

  /**
   * Registers an order; `created` is false for an identical replay of an earlier registration.
   * The same id with anything different is 409 ORDER_CONFLICT and changes nothing.
   */
  async register(input: RegisterOrderInput, actor: string): Promise<{ order: OrderRow; created: boolean }> {
    const declarations = [...new Set(input.declarations)].sort();
    const placedAt = input.placedAt === undefined ? null : new Date(input.placedAt).toISOString();
    const requestHash = sha256Hex(canonicalJson({ subject: input.subject, recipient: input.recipient, declarations, placedAt }));
    const earlier = await this.repo.get(input.id);
    if (earlier) return { order: same(earlier, requestHash), created: false };

    const subject = await this.deps.subjects.require(input.subject).catch((e: unknown) => {
      if ((e as CgError).code === 'UNKNOWN_SUBJECT') {
        throw new CgError('UNKNOWN_SUBJECT', `no subject "${input.subject}"`, 422, [{ code: 'UNKNOWN_SUBJECT', message: 'unknown subject', path: 'subject' }]);
      }
      throw e;
    });
    const model = this.deps.registry.model;
    if (!model) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active yet', 409);
    const member = this.deps.members.get(input.recipient);
    if (!member || member.disabled) {
      throw new CgError('UNKNOWN_RECIPIENT', `"${input.recipient}" is not a registered member of a recipient class`, 422, [
        { code: 'UNKNOWN_RECIPIENT', message: 'orders are placed with class members (POST /v1/members)', path: 'recipient' },
      ]);
    }
    const errors = declarations.flatMap((id) => {
      const d = model.declarations.get(id);
      const at = `declarations.${input.declarations.indexOf(id)}`;
      if (!d) return [{ code: 'UNKNOWN_DECLARATION', message: `${id} is not a declaration of the active registry`, path: at }];
      if (d.recipient !== member.classId) return [{ code: 'ORDER_DECLARATION_MISMATCH', message: `${id} is for ${d.recipient}, not the member's class ${member.classId}`, path: at }];
      return [];
    });
    if (errors.length > 0) throw new CgError(errors[0]!.code, errors[0]!.message, 422, errors);

    let inserted = false;
    await this.deps.admin.record(
      { action: 'order.register', actor, target: input.id, facts: { subject: subject.pseudonym, recipient: input.recipient, declarations } },
      async (tx, now) => {
        inserted = await OrdersRepo.insert(tx, {
          id: input.id,
          subject: subject.id,
          recipient: input.recipient,
          declarations,
          placedAt: placedAt === null ? now : new Date(placedAt),
          requestHash,
          createdAt: now,
          createdBy: actor,
        });
      },
    );
    const row = await this.repo.get(input.id);
    if (!row) throw new CgError('INTERNAL', 'the order was not stored', 500);
    // A racing registration of the same id (this or another server) won the insert.
    const order = inserted ? row : same(row, requestHash);
    this.remember(order, false);
    await this.deps.db.notify(this.channel, order.id).catch(() => {});
    return { order, created: inserted };
  }

  private catchUp(): Promise<void> {
    const next = this.catchingUp.then(async () => {
      for (;;) {
        const rows = await this.repo.after(this.lastSeq, 5000);
        for (const r of rows) this.remember(r, true);
        if (rows.length < 5000) return;
      }
    });
    this.catchingUp = next.catch(() => {});
    return next;
  }

  /** `advance` only from the catch-up scan: sequence numbers can commit out of order across servers. */
  private remember(r: OrderRow, advance: boolean): void {
    const order: OrderInfo = Object.freeze({ subject: r.subject, recipient: r.recipient, declarations: Object.freeze([...r.declarations]) });
    this.index.set(r.id, order);
    this.deps.records?.order(r.id, order);
    if (advance && r.seq > this.lastSeq) this.lastSeq = r.seq;
  }
}

/** An earlier registration of the id: the same request replays it, anything else conflicts. */
function same(earlier: OrderRow, requestHash: string): OrderRow {
  if (earlier.requestHash !== requestHash) {
    throw new CgError('ORDER_CONFLICT', `order ${earlier.id} was registered with a different body`, 409, [
      { code: 'ORDER_CONFLICT', message: 'an order id names one order: use a new id', path: 'id' },
    ]);
  }
  return earlier;
}
