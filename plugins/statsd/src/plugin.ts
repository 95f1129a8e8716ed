import type { PluginContext, TrainscopePlugin } from '@trainscope/core';
import { StatsdListener, type StatsdStats } from './listener.js';
import { resolveStatsdOptions, type StatsdOptions } from './options.js';
import type { StatsdAddress } from './transports.js';

/** The statsd plugin: a `TrainscopePlugin` that also tells where it listens and what it has seen. */
export interface StatsdPlugin extends TrainscopePlugin {
  /** Counters since start (all zero before). */
  stats(): StatsdStats;
  /** Bound addresses (resolves port 0); empty before `start`. */
  address(): StatsdAddress;
}

const EMPTY_STATS: StatsdStats = { packets: 0, metrics: 0, refused: {}, points: 0, flushes: 0, metricCount: 0 };

/**
 * A statsd listener that records into the run: counters, gauges, timers, histograms and sets,
 * DogStatsD tags as labels. Options are checked here, so a bad declared name fails before the
 * run starts.
 */
export function statsdPlugin(options: StatsdOptions = {}): StatsdPlugin {
  const resolved = resolveStatsdOptions(options);
  let listener: StatsdListener | undefined;
  return {
    name: 'statsd',
    async start(context: PluginContext) {
      if (listener !== undefined) return;
      if (context.signal.aborted) return;
      const current = new StatsdListener(resolved, context);
      listener = current;
      context.signal.addEventListener('abort', () => void current.stop(), { once: true });
      await current.start();
    },
    async stop() {
      await listener?.stop();
    },
    stats: () => listener?.stats() ?? { ...EMPTY_STATS, refused: {} },
    address: () => listener?.address() ?? {},
  };
}
