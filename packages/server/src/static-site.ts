import { existsSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { fastifyStatic } from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Cache-Control of files under `assets/`: Vite names them by content hash, so they never change. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Cache-Control of everything else (index.html above all): revalidate on every load. */
export const REVALIDATE = 'no-cache';

/** True for paths the API owns (`/api/...`, Baseten's `/v1/...`): never served from the site. */
export function isApiPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return /^\/(api|v1)(\/|$)/.test(path);
}

/**
 * True when a request may skip the key check because it can only reach the site's files (or a
 * not-found answer): its path is not the API's, and the router matched the site's wildcard route
 * or nothing. Deciding on the matched route, not the raw text, keeps `/%61pi/v1/runs` and the like
 * behind the key.
 */
export function isSiteRequest(url: string, route: string | undefined): boolean {
  return !isApiPath(url) && (route === undefined || route === '/*');
}

/** The Cache-Control a served file gets, from its path inside the site directory. */
export function cacheControlOf(root: string, file: string): string {
  const relative = file.startsWith(root) ? file.slice(root.length) : file;
  return relative.split(/[\\/]/).includes('assets') && basename(file) !== 'index.html' ? IMMUTABLE : REVALIDATE;
}

/** True when a request is a browser navigation that the single-page app should answer. */
export function wantsPage(request: FastifyRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    !isApiPath(request.url) &&
    (request.headers.accept ?? '').includes('text/html')
  );
}

/**
 * Serves a built dashboard (a Vite `dist`: index.html and hashed assets) at `/`. Files are
 * confined to `dir` (@fastify/send refuses `..` and encoded separators); dotfiles are hidden.
 * Returns the SPA fallback for the not-found handler: index.html for page navigations.
 */
export async function registerStaticSite(
  app: FastifyInstance,
  dir: string,
): Promise<(request: FastifyRequest, reply: FastifyReply) => FastifyReply | null> {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`staticDir ${root} has no index.html; build the dashboard first (npm run build).`);
  }
  const prefix = root.endsWith(sep) ? root : `${root}${sep}`;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: true,
    index: ['index.html'],
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (res, file) => res.setHeader('cache-control', cacheControlOf(prefix, file)),
  });
  return (request, reply) => {
    if (!wantsPage(request)) return null;
    return reply.header('cache-control', REVALIDATE).sendFile('index.html');
  };
}
