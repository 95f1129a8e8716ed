import { createPluginContext, resolveStoreDir } from '@trainscope/core';
import { statsdPlugin } from '@trainscope/plugin-statsd';
import type { Output } from '../output.js';
import { openOwnedStore } from '../owner.js';

/**
 * `trainscope statsd`: a standalone statsd collector recording into a run of the store until
 * interrupted, with the API/dashboard served meanwhile.
 */
export async function statsdCommand(
  options: {
    dir?: string;
    port: number;
    host: string;
    project: string;
    name?: string;
    metric: string[];
    apiPort?: number;
  },
  out: Output,
): Promise<number> {
  const { store, server } = await openOwnedStore({
    dir: resolveStoreDir(options.dir),
    out,
    ...(options.apiPort !== undefined ? { port: options.apiPort } : {}),
  });
  try {
    const run = await store.createRun({
      project: options.project,
      name: options.name ?? `statsd-${new Date().toISOString().slice(0, 19)}`,
      params: { collector: 'statsd', port: options.port },
    });
    const context = await createPluginContext(store, run.id, { logger: out.logger });
    const plugin = statsdPlugin({
      port: options.port,
      host: options.host,
      ...(options.metric.length ? { metrics: options.metric } : {}),
    });
    await plugin.start(context);
    const udp = plugin.address().udp;
    out.info(
      `trainscope: statsd on ${udp?.address}:${udp?.port} recording into run ${run.id} · API ${server.url} (Ctrl-C to stop)`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await plugin.stop();
    await store.updateRun(run.id, { status: 'completed', exitCode: 0 });
    const stats = plugin.stats();
    out.info(`trainscope: stopped · ${stats.packets} packets, ${stats.points} points stored`);
    return 0;
  } finally {
    await server.close();
  }
}
