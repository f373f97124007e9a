import { z } from 'zod';
import { localTextOut } from '../../core/registry/local-text.ts';
import { subjectIdSchema } from '../../app/subjects-service.ts';
import { CgError } from '../../core/errors.ts';
import { parseNoticeYear } from '../../core/law/kr/usage-notice.ts';
import { defineRoute, mount, type Principal } from '../route.ts';
import type { RoutePlugin } from './index.ts';

/**
 * PIPA 20-2 over HTTP: a customer reads their own yearly usage-history notice (subject token), the
 * operator anyone's (admin key with `subjects:read`). The answer says whether the notice is legally
 * due this year (the decree's threshold) and carries the messages in Korean and English.
 */
const entrySchema = z.object({
  recipient: z.string(),
  recipient_name: localTextOut,
  country: z.string(),
  role: z.enum(['third_party', 'processor', 'affiliate']),
  declaration_id: z.string().nullable(),
  purpose: z.string(),
  ground: z.string().nullable(),
  items: z.array(z.string()),
  dates: z.array(z.string()),
  releases: z.number().int(),
  ledger_indexes: z.array(z.number().int()),
});

const message = z.object({ subject: z.string(), text: z.string() });

const noticeSchema = z
  .object({
    format: z.literal('consentgate.usage-notice/1'),
    subject: z.string(),
    year: z.number().int(),
    period: z.object({ from: z.string(), to: z.string(), time_zone: z.literal('Asia/Seoul') }),
    controller: localTextOut,
    article: z.literal('PIPA 20-2'),
    entries: z.array(entrySchema),
    messages: z.object({ ko: message, en: message }),
    threshold: z.object({
      year: z.number().int(),
      required: z.boolean(),
      reason: z.enum(['SUBJECTS_AT_LEAST_1000000', 'SENSITIVE_AT_LEAST_50000', 'BELOW_THRESHOLD']),
      detail: z.string(),
      rule: z.string(),
      article: z.string(),
      threshold: z.number().int(),
      // The operator's subject count is its business: shown to admin keys only.
      average_daily_subjects: z.number().optional(),
      counted: z.object({ from: z.string(), to: z.string(), days: z.number().int(), basis: z.enum(['window', 'current']) }).optional(),
      sensitive_or_unique_categories: z.array(z.string()),
    }),
  })
  .meta({ id: 'UsageNotice' });

function assertSelf(p: Principal, id: string): void {
  if (p.kind === 'subject' && p.id !== id) {
    throw new CgError('FORBIDDEN_SUBJECT', 'a subject key may only act on its own subject', 403, [{ code: 'FORBIDDEN_SUBJECT', message: 'not your subject id', path: 'id' }]);
  }
}

export const usageNoticeRoutes: RoutePlugin = (app, ctx) => {
  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/usage-notice',
    operationId: 'getUsageNotice',
    summary: 'PIPA 20-2 usage-history notice: who received which of my items, when and on what ground, in a year (ko and en)',
    description:
      '`year`: the notice year (calendar year in Korea time), from 2023 to the current year; otherwise 400 `INVALID_YEAR`. ' +
      '`threshold.required` says whether the notice is legally due (daily average over 1 October–31 December of 1,000,000 subjects, ' +
      'or 50,000 when the registry holds sensitive or unique-identifier categories). Each entry lists the ledger leaves that prove its releases.',
    tags: ['rights'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params: z.object({ id: subjectIdSchema }),
    query: z.object({ year: z.string().max(16) }),
    rateLimit: { max: 30, timeWindow: 60_000 },
    response: { 200: noticeSchema },
    handler: async ({ params, query, principal, reply }) => {
      assertSelf(principal, params.id);
      const year = parseNoticeYear(query.year, Date.now(), 'year');
      const subject = await ctx.subjects.require(params.id);
      const [notice, threshold] = await Promise.all([ctx.usageNotices.forSubject(subject, year), ctx.usageNotices.threshold(year)]);
      reply.header('cache-control', 'no-store');
      if (principal.kind !== 'subject') return { ...notice, threshold };
      const { average_daily_subjects: _count, counted: _counted, detail: _detail, ...shown } = threshold;
      return { ...notice, threshold: { ...shown, detail: threshold.required ? 'the notice is due this year' : 'below the thresholds of the decree' } };
    },
  }));
};
