import { fastifyRateLimit } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { type KeyRing, keyFromAuthorization } from './keys.js';

/** Request rate limits, per client address and route, over a fixed window. */
export interface RateLimitOptions {
  /** Requests per window to one route from one address. @default 3000 */
  max?: number;
  /** Requests per window to a write route (points, logs, series, runs) from one address without a valid key. @default 20000 */
  writeMax?: number;
  /** Window length in milliseconds. @default 10000 */
  windowMs?: number;
}

/** Routes a remote writer (SDK, `trainscope run` in remote mode) calls in a loop. */
const WRITE_ROUTES = new Set([
  'POST /api/v1/ingest/points',
  'POST /api/v1/runs/:runId/logs',
  'POST /api/v1/runs/:runId/series',
]);

function isWrite(request: FastifyRequest): boolean {
  return WRITE_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`);
}

/**
 * Registers @fastify/rate-limit: 429 `rate_limited` (with `retry-after`) past the limit. Writes
 * from a client holding a valid API key are never limited: a key is the operator's trust, and a
 * training job must not lose points to a limiter; everyone else gets a generous ceiling.
 */
export async function registerRateLimit(app: FastifyInstance, keys: KeyRing, options: RateLimitOptions): Promise<void> {
  const max = options.max ?? 3000;
  const writeMax = options.writeMax ?? 20_000;
  const windowMs = options.windowMs ?? 10_000;
  await app.register(fastifyRateLimit, {
    global: true,
    timeWindow: windowMs,
    max: (request) => (isWrite(request) ? writeMax : max),
    // One count per address and route: a dashboard's chart reads never starve a writer's ingest.
    keyGenerator: (request) => `${request.ip} ${request.method} ${request.routeOptions.url ?? '(none)'}`,
    allowList: (request) =>
      isWrite(request) && keys.enabled && keys.verify(keyFromAuthorization(request.headers.authorization)),
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        'rate_limited',
        `Over ${context.max} requests to this route in ${windowMs / 1000} s from this address; retry in ${context.after}.`,
      ),
  });
}
