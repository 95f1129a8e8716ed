import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@trainscope/core';
import { createServer, type ServerOptions, type TrainscopeServer } from '../../src/index.js';

/** A real store in a temp dir, served on loopback. */
export interface Started {
  dir: string;
  store: Store;
  server: TrainscopeServer;
  url: string;
  stop(): Promise<void>;
}

/** Opens a store in a fresh temp dir and serves it; `stop()` closes both and removes the dir. */
export async function startServer(options: Partial<ServerOptions> = {}, dir?: string): Promise<Started> {
  const storeDir = dir ?? mkdtempSync(join(tmpdir(), 'trainscope-server-'));
  const store = await Store.open({ dir: storeDir, flushIntervalMs: 20 });
  const server = await createServer({ store, ...options });
  return {
    dir: storeDir,
    store,
    server,
    url: server.url,
    async stop() {
      await server.close();
      if (!dir) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** fetch + JSON with an optional key. */
export async function api(
  url: string,
  init: RequestInit & { key?: string; json?: unknown } = {},
): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Api-Key ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { ...init, headers, body: body ?? null });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}
