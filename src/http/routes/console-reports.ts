import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { MEMBER_ID_RE } from '../../app/members-service.ts';
import { DOCUMENT_FORMATS, DOCUMENT_KINDS, renderDocument } from '../../app/report-documents.ts';
import { content, defineRoute, mount } from '../route.ts';
import type { SessionStore } from '../session.ts';
import { sessionWithScopes } from '../console-scopes.ts';

/**
 * Report downloads from the console (session, `reports:read`): the regulator report, the transfer
 * register, the records of processing, the PIPA 17 provision records and the breach-impact form,
 * as HTML, CSV or PDF, for a period counted in a chosen time zone. Each download is an admin action
 * in the transparency log — who exported which document for which period — before it is sent.
 */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export function consoleReportsApi(app: FastifyInstance, ctx: AppContext, sessions: SessionStore): void {
  mount(app, defineRoute({
    method: 'GET',
    url: '/console/api/report-exports',
    operationId: 'exportConsoleReport',
    summary: 'Console: download a report document (regulator report, transfer register, ROPA, PIPA 17 provision records, breach-impact form) as HTML, CSV or PDF for a period (session)',
    description:
      'Defaults: the regulator report as HTML for 1 January to today. `from`/`to`: whole days in `tz` (default: Asia/Seoul when the registry serves Korean subjects, else Europe/Brussels, as `consentgate report`). ' +
      'The answer is an attachment; the export is recorded in the transparency log (`report.export`, with the kind, period and format). PDF needs headless Chromium (503 PDF_UNAVAILABLE).',
    tags: ['console'],
    auth: { kind: 'session', session: 'console', scopes: ['reports:read'] },
    query: z.object({
      kind: z.enum(DOCUMENT_KINDS).default('regulator'),
      format: z.enum(DOCUMENT_FORMATS).default('html'),
      from: day.optional(),
      to: day.optional(),
      lang: z.enum(['ko', 'en']).default('en'),
      tz: z.string().min(1).max(64).optional(),
      discovered_at: z.string().min(10).max(64).optional().describe('breach form: when the breach was discovered (YYYY-MM-DD in tz, or an ISO timestamp); default now'),
      recipient: z.string().regex(MEMBER_ID_RE).optional().describe('breach form: the compromised recipient, class or member; default every release in the period'),
    }),
    rateLimit: { max: 20, timeWindow: 60_000 },
    response: { 200: content({ 'text/html': z.string(), 'text/csv': z.string(), 'application/pdf': z.string().describe('PDF bytes') }, 'An attachment: the document in the format asked for') },
    handler: async ({ request, query, reply }) => {
      const session = await sessionWithScopes(sessions, request);
      const r = await renderDocument(ctx.reports, { kind: query.kind, format: query.format, from: query.from, to: query.to, lang: query.lang, tz: query.tz, discoveredAt: query.discovered_at, recipient: query.recipient }, Date.now());
      await ctx.admin.record(
        {
          action: 'report.export',
          actor: session.principal.keyId,
          target: query.kind,
          facts: {
            kind: query.kind,
            format: query.format,
            from: r.period.from,
            to: r.period.to,
            time_zone: r.period.time_zone,
            lang: query.lang,
            ...(query.recipient ? { recipient: query.recipient } : {}),
          },
        },
        async () => {},
      );
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${r.filename}"`)
        .type(r.contentType)
        .send(r.body);
    },
  }));
}
