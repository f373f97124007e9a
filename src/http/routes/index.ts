import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';

/** A feature's routes. Each feature adds its plugin to `routes` below, nothing else. */
export type RoutePlugin = (app: FastifyInstance, ctx: AppContext) => Promise<void> | void;

export const routes: RoutePlugin[] = [];
