import { Store, StoreLockedError } from '@trainscope/core';
import { createServer, type TrainscopeServer } from '@trainscope/server';
import { CliError } from './cli-error.js';
import type { Output } from './output.js';
import { webAssetsDir } from './web-assets.js';

export type { Output } from './output.js';

/** Another live process owns the store. */
export class StoreOwnedError extends CliError {}

/** Opens the store as its owner and serves it. */
export async function openOwnedStore(options: {
  dir: string;
  port?: number;
  host?: string;
  /** Where write failures of the store (disk full) and its recovery are told. */
  out?: Output;
}): Promise<{ store: Store; server: TrainscopeServer }> {
  let store: Store;
  const out = options.out;
  let failing = false;
  try {
    store = await Store.open({
      dir: options.dir,
      onWriteError: (error) => {
        if (failing) return;
        failing = true;
        out?.warn(
          `trainscope: cannot write the store in ${options.dir} (${(error as Error).message}); holding ${store.ingestor.pending} points in memory and retrying`,
        );
      },
      onWriteResumed: () => {
        failing = false;
        out?.info(`trainscope: the store in ${options.dir} is writable again; held points written`);
      },
    });
  } catch (error) {
    if (error instanceof StoreLockedError) throw new StoreOwnedError(error.message);
    throw error;
  }
  try {
    const staticDir = webAssetsDir();
    const server = await createServer({
      store,
      ...(staticDir ? { staticDir } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
    });
    return { store, server };
  } catch (error) {
    await store.close();
    throw error;
  }
}
