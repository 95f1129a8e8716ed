import { type Run, readOwner, resolveStoreDir, type Series, type SeriesSummary, Store } from '@trainscope/core';
import { CliError } from './cli-error.js';

/** A run as the CLI prints it with --json: snake_case keys, ISO 8601 UTC times. */
export interface RunJson {
  id: string;
  name: string;
  project: string;
  status: string;
  exit_code: number | null;
  error_message: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  params: Run['params'];
  tags: string[];
  host: Run['host'];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The --json shape of a run. */
export function runJson(run: Run): RunJson {
  return {
    id: run.id,
    name: run.name,
    project: run.project,
    status: run.status,
    exit_code: run.exitCode,
    error_message: run.errorMessage,
    created_at: iso(run.createdAt) as string,
    started_at: iso(run.startedAt),
    ended_at: iso(run.endedAt),
    params: run.params,
    tags: run.tags,
    host: run.host,
  };
}

/**
 * Opens the store for a read-only command. When a live process owns it, says so clearly instead
 * of surfacing a lock error (the owner's API serves the same data: `curl <url>/api/v1/runs`).
 */
export async function withStore<T>(dir: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  const resolved = resolveStoreDir(dir);
  const owner = readOwner(resolved);
  let store: Store;
  try {
    store = await Store.open({ dir: resolved });
  } catch (error) {
    if ((error as { code?: string }).code === 'store_locked') {
      throw new CliError(
        `The store ${resolved} is in use by pid ${owner?.pid ?? '?'}${owner?.url ? ` (API at ${owner.url}/api/v1)` : ''}; ` +
          'try again when it finishes, or read it through that API.',
      );
    }
    throw error;
  }
  let result: T;
  try {
    result = await fn(store);
  } catch (error) {
    // The command's own error says what went wrong; a close that fails after it (the same full
    // disk, say) must not replace it.
    await store.close().catch(() => {});
    throw error;
  }
  try {
    await store.close();
  } catch (error) {
    throw new CliError(`Could not finish writing the store ${resolved}: ${(error as Error).message}`);
  }
  return result;
}

/** The training series to show beside a run: losses and accuracies first, at most `max`. */
export function keySeries(series: Series[], max = 3): Series[] {
  const rank = (s: Series) =>
    (s.kind === 'training' ? 0 : 10) +
    (/loss/.test(s.name) ? 0 : /acc/.test(s.name) ? 1 : 2) +
    (s.name.startsWith('batch/') ? 5 : 0);
  return [...series].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)).slice(0, max);
}

/** Formats a number compactly for terminal tables. */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3)) return value.toExponential(3);
  return Number(value.toPrecision(5)).toString();
}

export type { SeriesSummary };
