import { type Run, Store, type StoreOptions } from '@trainscope/core';
import { createServer, type ServerOptions, type TrainscopeServer } from '@trainscope/server';
import { makeTempDir } from './temp-dir.js';

/** A real store in a temp dir, served on loopback, with one run and two series to aim at. */
export interface ServedStore {
  readonly store: Store;
  readonly server: TrainscopeServer;
  readonly url: string;
  readonly run: Run;
  /** Ids of the run's series `fuzz/a` and `fuzz/b`. */
  readonly series: readonly number[];
  close(): Promise<void>;
}

/** Opens a store in a fresh temp dir and serves it; `close()` stops both and removes the dir. */
export async function serveTempStore(
  serverOptions: Omit<ServerOptions, 'store'> = {},
  storeOptions: Omit<StoreOptions, 'dir'> = {},
): Promise<ServedStore> {
  const dir = makeTempDir('reliability');
  const store = await Store.open({ ...storeOptions, dir: dir.path });
  const server = await createServer({ ...serverOptions, store });
  const run = await store.createRun({ project: 'fuzz', name: 'fuzz' });
  await store.openRun(run.id);
  const series = [store.defineSeries(run.id, { name: 'fuzz/a' }).id, store.defineSeries(run.id, { name: 'fuzz/b' }).id];
  await store.flush();
  return {
    store,
    server,
    url: server.url,
    run,
    series,
    close: async () => {
      await server.close();
      dir.remove();
    },
  };
}
