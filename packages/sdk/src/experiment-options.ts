import { type JsonValue, resolveStoreDir } from '@trainscope/core';
import { InvalidOptionError } from './errors.js';

/** Options of `new Experiment(options)`. */
export interface ExperimentOptions {
  /** Run name. @default `<project>-<run id>` */
  name?: string;
  /** Project. @default 'default' */
  project?: string;
  /** Store directory (local mode). @default `TRAINSCOPE_DIR`, else `./.trainscope` (when no URL is given or set) */
  localPath?: string;
  /** Server URL (remote mode). @default `TRAINSCOPE_URL` when neither `localPath` nor `url` is given */
  url?: string;
  /** API key for the server. @default `TRAINSCOPE_API_KEY` */
  apiKey?: string;
  /** Record into this existing run instead of creating one. @default `TRAINSCOPE_RUN_ID` when the URL comes from `TRAINSCOPE_URL` */
  runId?: string;
  /** Set the run's status (completed / failed) on close. @default true for a run this experiment created, false for one it joined */
  markStatus?: boolean;
  /** Params of a new run (flattened as ml-dash does: `model.lr`). @default {} */
  params?: Record<string, JsonValue>;
  /** Tags of a new run. @default [] */
  tags?: string[];
  /** Default values per second of a Coflux `Metric`; null for none. @default 10 */
  throttle?: number | null;
  /** How often gathered points are handed over (and sent, in remote mode). @default 200 */
  flushIntervalMs?: number;
  /** Points kept in memory while a server is unreachable; more are spilled to a file. @default 1000000 */
  bufferPoints?: number;
  /** Directory of the spill file. @default the store directory when it has one, else the OS temp directory */
  spillDir?: string;
  /** How long `close()` keeps trying to deliver to an unreachable server. @default 10000 */
  closeTimeoutMs?: number;
  /** Where warnings go (outages, undelivered points). @default `process.emitWarning` */
  onWarning?: (message: string) => void;
  /** Environment read for the defaults. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Where an experiment writes. */
export type Target =
  | { kind: 'local'; dir: string; runId: string | undefined }
  | { kind: 'remote'; url: string; apiKey: string | undefined; runId: string | undefined };

/** Picks local or remote mode and the run to join from the options and the environment. */
export function resolveTarget(options: ExperimentOptions): Target {
  const env = options.env ?? process.env;
  if (options.localPath !== undefined && options.url !== undefined) {
    throw new InvalidOptionError('Give either localPath (a store directory) or url (a server), not both.', options);
  }
  const apiKey = options.apiKey ?? env['TRAINSCOPE_API_KEY'];
  if (options.url !== undefined) return { kind: 'remote', url: options.url, apiKey, runId: options.runId };
  if (options.localPath === undefined && env['TRAINSCOPE_URL']) {
    return { kind: 'remote', url: env['TRAINSCOPE_URL'], apiKey, runId: options.runId ?? env['TRAINSCOPE_RUN_ID'] };
  }
  return { kind: 'local', dir: resolveStoreDir(options.localPath, env), runId: options.runId };
}

/** The warning sink of an experiment: `onWarning`, else `process.emitWarning`. */
export function warnOf(options: ExperimentOptions): (message: string) => void {
  return options.onWarning ?? ((message) => process.emitWarning(message, 'TrainscopeWarning'));
}
