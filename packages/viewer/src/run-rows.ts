import type { ApiRun } from '@trainscope/client';
import { decodeWireNumber } from './wire.js';

/** A sort of a run table: a column key and a direction. */
export interface RunSort {
  /** `name`, `status`, `created`, `duration`, or `summary:<series name>`. */
  key: string;
  descending: boolean;
}

/** Duration of a run in ms (to now while it runs), or null before it started. */
export function runDuration(run: ApiRun, now = Date.now()): number | null {
  if (!run.started_at) return null;
  const end = run.ended_at ? Date.parse(run.ended_at) : run.status === 'running' ? now : null;
  return end === null ? null : end - Date.parse(run.started_at);
}

/** Last value of a summary column, NaN when the run lacks it. */
export function summaryLast(run: ApiRun, series: string): number {
  const s = run.summaries?.[series];
  return s ? decodeWireNumber(s.last) : Number.NaN;
}

function sortValue(run: ApiRun, key: string): number | string {
  if (key === 'name') return run.name || run.id;
  if (key === 'status') return run.status;
  if (key === 'created') return Date.parse(run.created_at);
  if (key === 'duration') return runDuration(run) ?? Number.NaN;
  if (key.startsWith('summary:')) return summaryLast(run, key.slice('summary:'.length));
  return '';
}

/** True when a run matches a filter text (name, id, project, status, tags or params, case-insensitive). */
export function runMatches(run: ApiRun, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  const text = [run.name, run.id, run.project, run.status, ...run.tags, JSON.stringify(run.params)]
    .join(' ')
    .toLowerCase();
  return f.split(/\s+/).every((word) => text.includes(word));
}

/** Filters and sorts runs; runs missing the sort value (NaN) go last either way. */
export function runRows(runs: readonly ApiRun[], filter: string, sort: RunSort): ApiRun[] {
  const rows = runs.filter((r) => runMatches(r, filter));
  const dir = sort.descending ? -1 : 1;
  return rows.sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (typeof va === 'number' && typeof vb === 'number') {
      if (Number.isNaN(va)) return Number.isNaN(vb) ? 0 : 1;
      if (Number.isNaN(vb)) return -1;
      return (va - vb) * dir;
    }
    return String(va).localeCompare(String(vb), undefined, { numeric: true }) * dir;
  });
}
