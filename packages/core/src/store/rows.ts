import type { DuckDBValue } from '@duckdb/node-api';
import type {
  AxisScale,
  JsonValue,
  LogLine,
  LogStream,
  MetricType,
  Run,
  RunStatus,
  Series,
  SeriesKind,
} from '../model.js';

type Row = Record<string, DuckDBValue>;

function num(v: DuckDBValue | undefined): number | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

function json<T>(v: DuckDBValue | undefined, fallback: T): T {
  if (v === null || v === undefined) return fallback;
  try {
    return JSON.parse(String(v)) as T;
  } catch {
    return fallback;
  }
}

/** Maps a `runs` row to a Run. */
export function runFromRow(row: Row): Run {
  return {
    id: String(row['id']),
    project: String(row['project']),
    name: String(row['name']),
    status: String(row['status']) as RunStatus,
    createdAt: num(row['created_at']) ?? 0,
    startedAt: num(row['started_at']),
    endedAt: num(row['ended_at']),
    exitCode: num(row['exit_code']),
    errorMessage: row['error_message'] == null ? null : String(row['error_message']),
    params: json<Record<string, JsonValue>>(row['params'], {}),
    tags: json<string[]>(row['tags'], []),
    host: json(row['host'], {}),
  };
}

/** Maps a `series` row to a Series. */
export function seriesFromRow(row: Row): Series {
  return {
    id: num(row['id']) as number,
    runId: String(row['run_id']),
    name: String(row['name']),
    kind: String(row['kind']) as SeriesKind,
    type: String(row['type']) as MetricType,
    group: row['grp'] == null ? null : String(row['grp']),
    xScale: json<AxisScale | null>(row['x_scale'], null),
    scale: json<AxisScale | null>(row['scale'], null),
    unit: row['unit'] == null ? null : String(row['unit']),
    labels: json<Record<string, string>>(row['labels'], {}),
  };
}

/** Maps a `logs` row to a LogLine. */
export function logFromRow(row: Row): LogLine {
  return {
    runId: String(row['run_id']),
    n: num(row['n']) as number,
    time: num(row['t']) as number,
    stream: String(row['stream']) as LogStream,
    level: String(row['level']),
    text: String(row['text']),
    metadata: json<Record<string, JsonValue> | null>(row['metadata'], null),
  };
}

/** Canonical key of a label set, so `{a, b}` and `{b, a}` name the same series. */
export function labelKey(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : JSON.stringify(keys.map((k) => [k, labels[k]]));
}
