import { z } from 'zod';
import { ORDER_ID_RE, orderView } from '../../app/orders-service.ts';
import { subjectIdSchema } from '../../app/subjects-service.ts';
import { CgError } from '../../core/errors.ts';
import { isoDateTime } from '../../core/time/date-range.ts';
import { defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';

/**
 * Orders (PIPA 17(2)1, 18) and PIPC suspension orders (PIPA 28-9). The marketplace registers
 * each order with the seller it was placed with; a seller's release must name one (`order_ref`).
 */
const declarationId = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'a registry id');
const memberId = z.string().min(1).max(64);
const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case');

const orderSchema = z
  .object({
    id: z.string(),
    subject: z.string(),
    recipient: z.string(),
    declarations: z.array(z.string()),
    placedAt: z.string(),
    createdAt: z.string(),
    replayed: z.boolean().describe('true when this answers an identical earlier registration (200)'),
  })
  .meta({ id: 'Order' });

const orderJson = orderView;

const suspensionSchema = z
  .object({
    id: z.string(),
    country: z.string().nullable(),
    recipient: z.string().nullable(),
    effective_from: z.string(),
    reference: z.string(),
    note: z.string(),
    created_at: z.string(),
    created_by: z.string(),
    lifted_from: z.string().nullable().describe('from this instant the order no longer applies; null while in force'),
    lift_reference: z.string().nullable().describe('the PIPC decision lifting the order'),
    lifted_at: z.string().nullable(),
    lifted_by: z.string().nullable(),
  })
  .meta({ id: 'TransferSuspension' });

export const orderRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/orders',
    operationId: 'createOrder',
    summary: 'Register an order: which customer ordered from which seller (class member), under which declarations',
    description:
      'A seller (class member) receives a customer\'s data only with the `order_ref` of an order registered here for that customer, that ' +
      'seller and the declaration (403 NO_ORDER otherwise; PIPA 17(2)1, 18). Idempotent on `id`: 201 when registered, 200 with ' +
      '`replayed: true` for the identical request again, 409 ORDER_CONFLICT for the same id with a different body. The subject must ' +
      'exist (422 UNKNOWN_SUBJECT), the recipient must be a registered member (422 UNKNOWN_RECIPIENT) and every declaration must be ' +
      'one of its class\'s (422 UNKNOWN_DECLARATION, ORDER_DECLARATION_MISMATCH). Durable (with its ledger leaf) before the answer.',
    tags: ['orders'],
    auth: { kind: 'admin', scopes: ['orders:write'] },
    body: z.strictObject({
      id: z.string().regex(ORDER_ID_RE, '1–128 letters, digits, "_.:/-"'),
      subject: subjectIdSchema,
      recipient: memberId,
      declarations: z.array(declarationId).min(1).max(20),
      placedAt: isoDateTime().optional(),
    }),
    bodyLimit: 16 * 1024,
    response: { 201: orderSchema, 200: orderSchema },
    handler: async ({ body, principal, reply }) => {
      const { order, created } = await ctx.orders.register(body, principal.keyId);
      reply.code(created ? 201 : 200);
      return orderJson(order, !created);
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/orders/:id',
    operationId: 'getOrder',
    summary: 'One registered order',
    tags: ['orders'],
    auth: { kind: 'admin', scopes: ['orders:write'] },
    params: z.object({ id: z.string().max(128) }),
    response: { 200: orderSchema },
    handler: async ({ params }) => {
      const o = await ctx.orders.find(params.id);
      if (!o) throw new CgError('ORDER_NOT_FOUND', `no order ${params.id}`, 404, [{ code: 'ORDER_NOT_FOUND', message: 'unknown order', path: 'params.id' }]);
      return orderJson(o, false);
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/transfer-suspensions',
    operationId: 'createTransferSuspension',
    summary: 'Record a PIPC order suspending transfers (PIPA 28-9) to a country or a recipient, from a date',
    description:
      'Exactly one of `country` and `recipient` (a registry recipient, a class or a member). From `effective_from` on, the gate refuses ' +
      'every release the order covers with 403 TRANSFER_SUSPENDED. Recorded in the transparency log; never edited (lifting is recorded with POST …/{id}/lift).',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    body: z.strictObject({
      country: country.optional(),
      recipient: memberId.optional(),
      effective_from: isoDateTime(),
      reference: z.string().min(1).max(200).describe("the PIPC order's reference (decision number and date)"),
      note: z.string().max(2000).optional(),
    }),
    response: { 201: suspensionSchema },
    handler: ({ body, principal }) =>
      ctx.suspensions.record({ country: body.country, recipient: body.recipient, effectiveFrom: body.effective_from, reference: body.reference, note: body.note }, principal.keyId),
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/transfer-suspensions/:id/lift',
    operationId: 'liftTransferSuspension',
    summary: 'Record that the PIPC lifted a suspension order (PIPA 28-9), from an instant on',
    description:
      'Releases dated from `lifted_from` on are no longer refused by this order; releases dated inside the suspension stay refused. ' +
      'The order is kept; the lifting is its own transparency-log entry. 409 SUSPENSION_ALREADY_LIFTED for a second lift.',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:write'] },
    params: z.object({ id: z.string().max(64) }),
    body: z.strictObject({
      lifted_from: isoDateTime(),
      reference: z.string().min(1).max(200).describe("the PIPC decision lifting the order (number and date)"),
    }),
    response: { 200: suspensionSchema },
    handler: ({ params, body, principal }) => ctx.suspensions.lift(params.id, { liftedFrom: body.lifted_from, reference: body.reference }, principal.keyId),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/transfer-suspensions',
    operationId: 'listTransferSuspensions',
    summary: 'Recorded PIPC suspension orders (PIPA 28-9)',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:read'] },
    response: { 200: z.object({ suspensions: z.array(suspensionSchema) }) },
    handler: async () => ({ suspensions: await ctx.suspensions.list() }),
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/transfer-suspensions/:id',
    operationId: 'getTransferSuspension',
    summary: 'One recorded suspension order',
    tags: ['recipients'],
    auth: { kind: 'admin', scopes: ['recipients:read'] },
    params: z.object({ id: z.string().max(64) }),
    response: { 200: suspensionSchema },
    handler: ({ params }) => ctx.suspensions.get(params.id),
  }));
};
