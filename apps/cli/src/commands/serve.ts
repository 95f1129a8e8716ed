import { resolveStoreDir } from '@trainscope/core';
import type { Output } from '../output.js';
import { openOwnedStore } from '../owner.js';

/** `trainscope serve`: the dashboard and API for every run in the store, until interrupted. */
export async function serveCommand(
  options: { dir?: string; port?: number; host?: string },
  out: Output,
): Promise<number> {
  const dir = resolveStoreDir(options.dir);
  const { server } = await openOwnedStore({
    dir,
    port: options.port ?? 6070,
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  out.info(`trainscope: serving ${dir} at ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  out.info('trainscope: stopped');
  return 0;
}
