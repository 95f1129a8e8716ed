import { Store, StoreLockedError } from '@trainscope/core';
import { createServer, type TrainscopeServer } from '@trainscope/server';
import { CliError } from './cli-error.js';
import { webAssetsDir } from './web-assets.js';

export type { Output } from './output.js';

/** Another live process owns the store. */
export class StoreOwnedError extends CliError {}

/** Opens the store as its owner and serves it. */
export async function openOwnedStore(options: {
  dir: string;
  port?: number;
  host?: string;
}): Promise<{ store: Store; server: TrainscopeServer }> {
  let store: Store;
  try {
    store = await Store.open({ dir: options.dir });
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
