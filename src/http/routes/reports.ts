import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { MEMBER_ID_RE } from '../../app/members-service.ts';
import type { RenderedReport } from '../../app/report-service.ts';
import { parseBound, parsePeriod } from '../../core/report/period.ts';
import { content, defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';
import { dayOrInstant } from '../../core/time/date-range.ts';

/**
 * Regulator-ready reports over HTTP (admin keys with `reports:read`). Every report embeds the
 * signed checkpoint it was computed against. PDF needs headless Chromium on the server
 * (503 `PDF_UNAVAILABLE` otherwise); reports are expensive, so the per-key limit is low.
 */
const date = dayOrInstant();
const format = z.enum(['json', 'html', 'csv', 'pdf']);
const lang = z.enum(['en', 'ko']);
const limit = { max: 20, timeWindow: 60_000 };
/** `format` picks one; csv and pdf come as an attachment. */
const reportContent = content({
  'application/json': z.record(z.string(), z.unknown()),
  'text/html': z.string(),
  'text/csv': z.string(),
  'application/pdf': z.string().describe('PDF bytes'),
});

function send(reply: FastifyReply, r: RenderedReport, inline: boolean): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (!inline) reply.header('content-disposition', `attachment; filename="${r.filename}"`);
  return reply.type(r.contentType).send(r.body);
}

export const reportRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/reports',
    operationId: 'getProcessingReport',
    summary: 'Processing report for a period: transfer register, PIPA 17 provisions, consent, deny and rights statistics, charts, signed checkpoint',
    description:
      '`from`/`to`: `YYYY-MM-DD` (whole UTC days) or ISO 8601 timestamps with offset. `format=json` (numbers), `html` (self-contained, charts as inline SVG), ' +
      '`csv` (every table, the full provision list), `pdf` (the HTML printed by headless Chromium). Counts cover ledger leaves below the embedded checkpoint size.',
    tags: ['reports'],
    auth: { kind: 'admin', scopes: ['reports:read'] },
    query: z.object({ from: date, to: date, format: format.default('json'), lang: lang.default('en') }),
    rateLimit: limit,
    response: { 200: reportContent },
    handler: async ({ query, reply }) => {
      const { from, to } = parsePeriod(query.from, query.to);
      const r = await ctx.reports.render({ from, to, lang: query.lang, format: query.format });
      return send(reply, r, query.format === 'json' || query.format === 'html');
    },
  }));

  mount(app, defineRoute({
    method: 'POST',
    url: '/v1/reports/breach',
    operationId: 'createBreachReport',
    summary: 'Breach impact: affected subjects and items for a compromised recipient and/or window, PIPC report triggers (PIPA 34), 72-hour deadlines (PIPA 34, GDPR 33) and the GDPR 34 communication to subjects',
    description:
      '`recipient`: a registry recipient, a recipient class (all its members) or one class member. `from`/`to`: the window of releases believed compromised. ' +
      'At least one of them is required. `discovered_at`: when the breach was discovered; the 72-hour clocks start there. `unauthorised_access`: the leak results from unauthorised access from outside ' +
      '(the PIPC report is then due for any number of subjects). `high_risk`: the GDPR 34 assessment (omitted: presumed high). CSV lists the affected pseudonyms.',
    tags: ['reports'],
    auth: { kind: 'admin', scopes: ['reports:read'] },
    body: z.strictObject({
      recipient: z.string().regex(MEMBER_ID_RE, 'a recipient, class or member id: lower-case letters, digits, _ . - (max 64)').optional(),
      from: date.optional(),
      to: date.optional(),
      discovered_at: date,
      unauthorised_access: z.boolean().optional().describe('the leak results from unauthorised access from outside (PIPA decree 40(1)3): the PIPC report is due for any number of subjects'),
      high_risk: z.boolean().optional().describe("the controller's GDPR 34 risk assessment; omitted: high risk presumed"),
      format: format.default('json'),
      lang: lang.default('en'),
    }),
    bodyLimit: 4 * 1024,
    rateLimit: limit,
    response: { 200: reportContent },
    handler: async ({ body, reply }) => {
      const query = {
        discoveredAt: parseBound(body.discovered_at, 'discovered_at', false),
        ...(body.recipient !== undefined ? { recipient: body.recipient } : {}),
        ...(body.from !== undefined ? { from: parseBound(body.from, 'from', false) } : {}),
        ...(body.to !== undefined ? { to: parseBound(body.to, 'to', true) } : {}),
        ...(body.unauthorised_access !== undefined ? { unauthorisedAccess: body.unauthorised_access } : {}),
        ...(body.high_risk !== undefined ? { highRisk: body.high_risk } : {}),
      };
      const r = await ctx.reports.breach(query, { lang: body.lang, format: body.format });
      return send(reply, r, body.format === 'json' || body.format === 'html');
    },
  }));
};
