import { z } from 'zod';
import { defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';

/**
 * Public receipt-verification keys. (`GET /v1/api-keys` lists API keys for admins, so the
 * receipt keys live at their own public path.) The response body is also a valid key file
 * for `consentgate receipt verify --key`.
 */
export const receiptKeyRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/keys',
    operationId: 'getReceiptKeys',
    summary: 'Public Ed25519 keys that sign consent receipts, with key ids and status (retired keys still verify old receipts)',
    tags: ['consent'],
    auth: { kind: 'public' },
    response: {
      200: z
        .object({ keys: z.array(z.object({ kid: z.string(), alg: z.literal('Ed25519'), publicKey: z.string(), status: z.enum(['active', 'retired']) })) })
        .meta({ id: 'ReceiptKeys' }),
    },
    handler: async ({ reply }) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: await ctx.consents.publicKeys() };
    },
  }));
};
