import { type Logger, type LogInput, type PointBatch, type SeriesDef, silentLogger } from '@trainscope/core';
import { StatsdListener, type StatsdStats } from './listener.js';
import { resolveStatsdOptions, type StatsdOptions } from './options.js';
import type { StatsdAddress } from './transports.js';

/** Options of a standalone collector: the listener's options plus where its output goes. */
export interface StatsdCollectorOptions extends StatsdOptions {
  /**
   * Receives each flush interval's points. Series ids index `series`, which holds every series
   * defined so far (ids count up from 0).
   */
  onBatch(batch: PointBatch, series: ReadonlyArray<SeriesDef>): void;
  /** Receives refusal summaries. @default discarded */
  onLog?: (line: LogInput) => void;
  /** Diagnostics. @default silentLogger */
  logger?: Logger;
}

/** A statsd listener running on its own, outside any run (`trainscope statsd`). */
export interface StatsdCollector {
  /** Binds the sockets. */
  start(): Promise<void>;
  /** Closes the sockets and hands on the last interval. Idempotent. */
  stop(): Promise<void>;
  /** Counters since start. */
  stats(): StatsdStats;
  /** Bound addresses (resolves port 0). */
  address(): StatsdAddress;
}

/** Creates a standalone collector: the plugin's listener with callbacks instead of a store. */
export function createStatsdCollector(options: StatsdCollectorOptions): StatsdCollector {
  const series: SeriesDef[] = [];
  const listener = new StatsdListener(resolveStatsdOptions(options), {
    series(def) {
      series.push(def);
      return series.length - 1;
    },
    ingest: (batch) => options.onBatch(batch, series),
    log: (line) => options.onLog?.(line),
    logger: options.logger ?? silentLogger,
  });
  return {
    start: () => listener.start(),
    stop: () => listener.stop(),
    stats: () => listener.stats(),
    address: () => listener.address(),
  };
}
