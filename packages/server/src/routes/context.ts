import type { Store } from '@trainscope/core';
import type { FastifyInstance } from 'fastify';

/** What every route module gets. */
export interface RouteContext {
  app: FastifyInstance;
  store: Store;
}
