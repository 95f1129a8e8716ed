import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fastifyCors } from '@fastify/cors';
import type { Store } from '@trainscope/core';
import { Ajv } from 'ajv';
import { type FastifyInstance, fastify } from 'fastify';
import { mapError } from './error-mapping.js';
import { InsecureBindError } from './insecure-bind-error.js';
import { KEYS_FILE, KeyRing, keyFromAuthorization } from './keys.js';
import { LiveServer, type LiveStats } from './live/live-server.js';
import { isLoopbackHost } from './loopback.js';
import { type RateLimitOptions, registerRateLimit } from './rate-limit.js';
import { RejectionTally } from './rejection-tally.js';
import { basetenRoutes } from './routes/baseten.js';
import { CHART_META_HEADER, chartRoutes } from './routes/chart.js';
import type { RouteContext } from './routes/context.js';
import { ingestRoutes } from './routes/ingest.js';
import { logRoutes } from './routes/logs.js';
import { ARROW_STREAM, pointRoutes } from './routes/points.js';
import { runRoutes } from './routes/runs.js';
import { seriesRoutes } from './routes/series.js';
import { isSiteRequest, registerStaticSite } from './static-site.js';

/** Options of `createServer`. */
export interface ServerOptions {
  /** The store to serve; the server owns it from now on and closes it on `close()`. */
  store: Store;
  /** Address to bind; anything but loopback needs at least one API key. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /** File of API keys (see `createKey`); requests need a key once it holds one. @default `<store dir>/keys.json` */
  keysFile?: string;
  /** Origins of pages allowed to call the API from a browser (CORS and WebSocket upgrades). @default [] */
  corsOrigins?: string[];
  /** Largest request body in bytes; larger ones get 413. @default 33554432 (32 MiB) */
  bodyLimit?: number;
  /**
   * Request rate limits (429 `rate_limited` past them), per client address and route; `false`
   * turns them off. Writes carrying a valid API key are never limited.
   * @default { max: 3000, writeMax: 20000, windowMs: 10000 }
   */
  rateLimit?: RateLimitOptions | false;
  /** Bytes queued on one WebSocket before live delivery to it pauses. @default 4194304 (4 MiB) */
  liveHighWaterBytes?: number;
  /**
   * @deprecated Ignored: a live connection buffers no points of its own any more (it keeps a
   * cursor; the points wait in the shared feed or the store).
   */
  liveMaxBufferedPoints?: number;
  /**
   * Bytes all live connections together may queue for slow clients; each gets an equal share
   * (at least 64 KiB) as its high-water mark. @default 268435456 (256 MiB)
   */
  liveMemoryBudgetBytes?: number;
  /**
   * Shortest time between two live messages of one series: points published meanwhile go out
   * as one message, encoded once for every subscriber. @default 25
   */
  liveTickMs?: number;
  /**
   * Bytes of recent points kept for live subscribers to share (a subscriber further behind
   * reads from the store). @default 67108864 (64 MiB)
   */
  liveFeedBudgetBytes?: number;
  /** Writes the owner file's `url` so other processes find this server. @default true */
  advertise?: boolean;
  /**
   * A built dashboard (apps/web/dist: index.html + hashed assets) to serve at `/`, with the
   * single-page fallback to index.html. Its files load without a key (the page asks for one via
   * `?key=`); every API route stays protected. @default none (no page served)
   */
  staticDir?: string;
}

/** A running server. */
export interface TrainscopeServer {
  /** Base URL, e.g. `http://127.0.0.1:43117`. */
  readonly url: string;
  /** The fastify instance (for `inject` and extra routes). */
  readonly app: FastifyInstance;
  /** Refused requests by error code, and live connection figures. */
  stats(): {
    rejections: Record<string, number>;
    live: LiveStats;
  };
  /** Closes sockets, the HTTP server and the store. */
  close(): Promise<void>;
}

/**
 * Serves a store over HTTP (`/api/v1/...`, Baseten's `/v1/training_projects/...`) and WebSocket
 * (`/api/v1/live`). Binds to loopback unless told otherwise, and refuses a non-loopback bind while
 * no API key exists.
 */
export async function createServer(options: ServerOptions): Promise<TrainscopeServer> {
  const { store } = options;
  const host = options.host ?? '127.0.0.1';
  const keys = new KeyRing(options.keysFile ?? join(store.dir, KEYS_FILE));
  if (!isLoopbackHost(host) && !keys.hasKeys) throw new InsecureBindError(host);
  const corsOrigins = new Set(options.corsOrigins ?? []);
  const rejections = new RejectionTally();

  const app = fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 32 * 2 ** 20,
    // Requests Node's parser refuses before any route sees them (a request line and headers over
    // 16 KiB, bytes that are not HTTP): the same error body as every other refusal, and counted.
    clientErrorHandler: (error, socket) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const tooLarge = code === 'HPE_HEADER_OVERFLOW';
      const reason = tooLarge ? 'headers_too_large' : 'malformed_request';
      rejections.add(reason);
      const body = JSON.stringify({
        error: {
          code: reason,
          message: tooLarge
            ? 'The request line and headers exceed 16 KiB; send a long list of series ids in several requests.'
            : 'The request is not valid HTTP.',
        },
      });
      socket.end(
        `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    },
  });
  // Query strings and paths are text, so their numbers are coerced; bodies are JSON and are not
  // (coercion would turn a null time into 0).
  const coercing = new Ajv({ coerceTypes: 'array', useDefaults: true, allErrors: false, strict: false });
  const exact = new Ajv({ coerceTypes: false, useDefaults: true, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? exact : coercing).compile(schema));
  const allowedOrigin = (origin: string, hostHeader: string | undefined) =>
    corsOrigins.has(origin) || (hostHeader !== undefined && origin === `http://${hostHeader}`);

  await app.register(fastifyCors, {
    origin: (origin, callback) => callback(null, origin !== undefined && corsOrigins.has(origin)),
    methods: ['GET', 'POST', 'PATCH', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: [CHART_META_HEADER, 'trainscope-next-cursor', 'trainscope-dropped-non-finite', 'retry-after'],
  });

  // Bodies are JSON or Arrow; fastify's text/plain parser would hand routes a string (415 instead).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    [ARROW_STREAM, 'application/vnd.apache.arrow.file'],
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );

  // The limiter runs in onRequest; the key check after it (preParsing, still before any body is
  // read), so that guessing keys is limited too.
  if (options.rateLimit !== false) await registerRateLimit(app, keys, options.rateLimit ?? {});

  app.addHook('preParsing', async (request, reply, payload) => {
    if (request.method === 'OPTIONS' || !keys.enabled) return payload;
    // The page's own files hold no data; the API calls it makes carry the key.
    if (options.staticDir !== undefined && isSiteRequest(request.url, request.routeOptions.url)) return payload;
    if (keys.verify(keyFromAuthorization(request.headers.authorization))) return payload;
    rejections.add('unauthorized');
    return reply
      .code(401)
      .header('www-authenticate', 'Api-Key')
      .send({ error: { code: 'unauthorized', message: 'Send a valid key as "Authorization: Api-Key <key>".' } });
  });

  const sitePage = options.staticDir === undefined ? null : await registerStaticSite(app, options.staticDir);

  app.setErrorHandler(async (error, _request, reply) => {
    const { statusCode, body } = mapError(error);
    rejections.add(body.error.code);
    return reply.code(statusCode).send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const page = sitePage?.(request, reply);
    if (page) return page;
    rejections.add('not_found');
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url}.` } });
  });

  const live = new LiveServer({
    store,
    keys,
    rejections,
    allowedOrigin,
    maxPayload: 1 << 20,
    highWaterBytes: options.liveHighWaterBytes ?? 4 * 2 ** 20,
    memoryBudgetBytes: options.liveMemoryBudgetBytes ?? 256 * 2 ** 20,
    tickMs: options.liveTickMs ?? 25,
    feedBudgetBytes: options.liveFeedBudgetBytes ?? 64 * 2 ** 20,
  });

  const context: RouteContext = { app, store };
  runRoutes(context);
  seriesRoutes(context);
  pointRoutes(context);
  ingestRoutes(context);
  chartRoutes(context);
  logRoutes(context);
  basetenRoutes(context);
  app.get('/api/v1/health', async () => ({
    ok: true,
    store: store.dir,
    rejections: rejections.snapshot(),
    live: live.stats(),
  }));

  app.server.on('upgrade', (request, socket, head) => {
    if (!live.handleUpgrade(request, socket, head)) socket.destroy();
  });

  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  if (options.advertise !== false) store.advertise(url);

  let closed: Promise<void> | null = null;
  return {
    url,
    app,
    stats: () => ({ rejections: rejections.snapshot(), live: live.stats() }),
    close: () => {
      closed ??= (async () => {
        live.close();
        await app.close();
        await store.close();
      })();
      return closed;
    },
  };
}
