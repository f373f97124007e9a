import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';

/** A feature's routes. Each feature adds its plugin to `routes` below, nothing else. */
export type RoutePlugin = (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;

import { keyRoutes } from './keys.ts';
import { ledgerRoutes } from './ledger.ts';
import { recipientRoutes } from './recipients.ts';
import { registryRoutes } from './registry.ts';
import { consentRoutes } from './consents.ts';
import { noticeRoutes } from './notices.ts';
import { receiptKeyRoutes } from './receipt-keys.ts';
import { consoleRoutes } from './console.ts';
import { releaseRoutes } from './releases.ts';
import { subjectDataRoutes } from './subject-data.ts';
import { rightsRoutes } from './rights.ts';
import { clientCertRoutes } from './client-certs.ts';
import { reportRoutes } from './reports.ts';
import { landingRoutes } from './landing.ts';
import { orderRoutes } from './orders.ts';
import { usageNoticeRoutes } from './usage-notice.ts';

export const routes: RoutePlugin[] = [registryRoutes, recipientRoutes, keyRoutes, ledgerRoutes, noticeRoutes, consentRoutes, receiptKeyRoutes, consoleRoutes, subjectDataRoutes, releaseRoutes, rightsRoutes, clientCertRoutes, reportRoutes, usageNoticeRoutes, landingRoutes, orderRoutes];
