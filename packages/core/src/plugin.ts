import type { PointBatch } from './batch.js';
import type { LogInput, Run, SeriesDef } from './model.js';

/** Where a plugin reports what it is doing (not the run's log: that is `context.log`). */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** What a plugin gets when it starts. */
export interface PluginContext {
  /** The run the plugin records into. */
  readonly run: Run;
  /**
   * Returns the id of the series with this definition in the run, defining it on first use.
   * Synchronous and cached, so parsers can call it per point.
   */
  series(def: SeriesDef): number;
  /** Hands a columnar batch of points to the store's ingestor. */
  ingest(batch: PointBatch): void;
  /** Appends a line to the run's log. */
  log(line: LogInput): void;
  /** Diagnostics for the operator (not stored in the run). */
  readonly logger: Logger;
  /** Aborted when the run is ending; a plugin stops its timers and sockets then. */
  readonly signal: AbortSignal;
}

/**
 * A source of points. Factories (`stdoutPlugin(options)`) return plain objects of this shape.
 * Plugins know nothing of each other; the CLI and apps compose them.
 */
export interface TrainscopePlugin {
  /** Short unique name, e.g. `statsd`. */
  readonly name: string;
  /** Begins producing points into `context`. May be async (binding a socket). */
  start(context: PluginContext): void | Promise<void>;
  /** Stops producing, flushes what it holds into the context, releases resources. Idempotent. */
  stop(): void | Promise<void>;
}

/** A logger that discards everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
