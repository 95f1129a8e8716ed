import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@trainscope/core';
import { createServer } from '@trainscope/server';
import type { TestProject } from 'vitest/node';
import { type Seeded, seedStore } from './seed-store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    server: string;
    seeded: Seeded;
  }
}

/** Starts a real server over a real store in a temp dir, seeded with a run, for the browser tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'trainscope-viewer-'));
  // Set by vitest.config.ts, which chose a free port for the browser page.
  const port = process.env['TS_VIEWER_BROWSER_PORT'];
  const store = await Store.open({ dir, flushIntervalMs: 20 });
  const server = await createServer({
    store,
    corsOrigins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
  });
  const seeded = await seedStore(store);
  project.provide('server', server.url);
  project.provide('seeded', seeded);
  return async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
