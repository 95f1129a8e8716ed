import type { PointBatch } from './batch.js';
import type { LogInput, SeriesDef } from './model.js';
import { type Logger, type PluginContext, silentLogger, type TrainscopePlugin } from './plugin.js';
import type { Store } from './store/store.js';

/** Options of `createPluginContext`. */
export interface PluginContextOptions {
  /** @default a logger that discards everything */
  logger?: Logger;
  /** Aborted when the run ends; @default a fresh signal aborted by `context.abort()` */
  signal?: AbortSignal;
}

/** A plugin context bound to a store and a run, plus the means to end it. */
export interface StorePluginContext extends PluginContext {
  /** Aborts the context's signal (the run is ending). */
  abort(reason?: unknown): void;
}

/**
 * Builds the context plugins write through: series are defined in the store's writer (sync,
 * cached), batches go to its ingestor, log lines to the run's log.
 */
export async function createPluginContext(
  store: Store,
  runId: string,
  options: PluginContextOptions = {},
): Promise<StorePluginContext> {
  const run = await store.openRun(runId);
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  return {
    run,
    series: (def: SeriesDef) => store.defineSeries(runId, def).id,
    ingest: (batch: PointBatch) => store.ingestor.ingest(batch),
    log: (line: LogInput) => store.appendLogs(runId, [line]),
    logger: options.logger ?? silentLogger,
    signal,
    abort: (reason?: unknown) => controller.abort(reason),
  };
}

/** Starts plugins in order; if one fails to start, stops those already started and rethrows. */
export async function startPlugins(plugins: readonly TrainscopePlugin[], context: PluginContext): Promise<void> {
  const started: TrainscopePlugin[] = [];
  try {
    for (const plugin of plugins) {
      await plugin.start(context);
      started.push(plugin);
    }
  } catch (error) {
    await stopPlugins(started);
    throw error;
  }
}

/** Stops plugins in reverse order; every plugin is asked even if an earlier one fails. */
export async function stopPlugins(plugins: readonly TrainscopePlugin[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const plugin of [...plugins].reverse()) {
    try {
      await plugin.stop();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}
