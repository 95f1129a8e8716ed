import { resolveStoreDir } from '@trainscope/core';
import { openInBrowser } from '../browser.js';
import type { Output } from '../output.js';
import { openOwnedStore } from '../owner.js';

/** `trainscope serve`: the dashboard and API for every run in the store, until interrupted. */
export async function serveCommand(
  options: { dir?: string; port?: number; host?: string; open?: boolean },
  out: Output,
): Promise<number> {
  const dir = resolveStoreDir(options.dir);
  const { server } = await openOwnedStore({
    dir,
    out,
    port: options.port ?? 6070,
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.info(`trainscope: serving ${dir} at ${server.url} (Ctrl-C to stop)`);
  if (options.open) await openInBrowser(server.url, out);
  await stopped;
  await server.close();
  out.info('trainscope: stopped');
  return 0;
}
