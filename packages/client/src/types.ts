/**
 * Wire types of the trainscope HTTP + WebSocket API (`/api/v1`). Keys are snake_case, run times
 * are ISO 8601 UTC strings, point times are epoch milliseconds. Values that JSON cannot carry
 * (NaN, Infinity, -Infinity) travel as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.
 */

/** A float64 on the wire: a JSON number, or one of the strings for non-finite values. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** Run lifecycle states. */
export type ApiRunStatus = 'running' | 'completed' | 'failed' | 'stopped';

/** JSON value (params, metadata). */
export type ApiJson = string | number | boolean | null | ApiJson[] | { [key: string]: ApiJson };

/** Machine facts of a run (camelCase keys as recorded by the run's host). */
export type ApiHost = Record<string, ApiJson>;

/** Statistics of one series; min/max/mean/std are over finite values. */
export interface ApiSummary {
  series_id: number;
  count: number;
  non_finite: number;
  last: WireNumber | null;
  last_x: number | null;
  last_time: number | null;
  /** Smallest value; -Infinity when the series holds one. */
  min: WireNumber | null;
  /** Largest value; Infinity when the series holds one. */
  max: WireNumber | null;
  mean: WireNumber | null;
  std: WireNumber | null;
}

/** A run. */
export interface ApiRun {
  id: string;
  project: string;
  name: string;
  status: ApiRunStatus;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  exit_code: number | null;
  error_message: string | null;
  params: Record<string, ApiJson>;
  tags: string[];
  host: ApiHost;
  /** Present when the list asked for summaries: series name to its summary. */
  summaries?: Record<string, ApiSummary>;
}

/** A project and its run count. */
export interface ApiProject {
  name: string;
  run_count: number;
  last_activity: string | null;
}

/** Axis description (Coflux scale). */
export interface ApiScale {
  name?: string;
  units?: string;
  lower?: number;
  upper?: number;
  progress?: boolean;
}

/** A series of a run. */
export interface ApiSeries {
  id: number;
  run_id: string;
  name: string;
  kind: 'training' | 'system' | 'custom';
  type: 'gauge' | 'counter' | 'rate' | 'timer' | 'histogram' | 'set' | 'progress';
  group: string | null;
  x_scale: ApiScale | null;
  scale: ApiScale | null;
  unit: string | null;
  labels: Record<string, string>;
}

/** What a writer says about a series when defining it (`POST /runs/{id}/series`). */
export interface ApiSeriesDef {
  name: string;
  kind?: ApiSeries['kind'];
  type?: ApiSeries['type'];
  group?: string;
  x_scale?: ApiScale;
  scale?: ApiScale;
  unit?: string;
  labels?: Record<string, string>;
}

/** Body of `POST /runs`. */
export interface ApiRunInput {
  id?: string;
  project?: string;
  name?: string;
  status?: ApiRunStatus;
  params?: Record<string, ApiJson>;
  tags?: string[];
  host?: ApiHost;
  /** Epoch milliseconds. */
  started_at?: number;
}

/** Body of `PATCH /runs/{id}`. Times are epoch milliseconds. */
export interface ApiRunPatch {
  name?: string;
  status?: ApiRunStatus;
  started_at?: number | null;
  ended_at?: number | null;
  exit_code?: number | null;
  error_message?: string | null;
  params?: Record<string, ApiJson>;
  tags?: string[];
  host?: ApiHost;
}

/** A page of points, columnar. */
export interface ApiPoints {
  series: number[];
  n: number[];
  x: number[];
  /** 1 where the source gave x, 0 where x is the point number. */
  x_given: number[];
  time: number[];
  value: WireNumber[];
  /** Cursor of the next page, or null on the last page. */
  next: string | null;
}

/** Query of `GET /points`. */
export interface ApiPointsQuery {
  series: number[];
  /** @default 'x' */
  by?: 'x' | 'time' | 'n';
  start?: number;
  end?: number;
  /** @default 100000 */
  limit?: number;
  cursor?: string;
}

/** Query of `GET /series/{id}/chart`. */
export interface ApiChartQuery {
  width: number;
  start?: number;
  end?: number;
  /** @default 'x' */
  axis?: 'x' | 'time';
}

/** Everything of a chart read except the buckets. */
export interface ApiChartMeta {
  series_id: number;
  axis: 'x' | 'time';
  start: number;
  end: number;
  pixel_exp: number;
  source: 'raw' | number;
  last: { x: number; time: number; value: WireNumber } | null;
  /** Points of the series committed when the read was made: the cursor a live subscription goes on from. */
  points: number;
}

/** M4 buckets, columnar (one entry per pixel column holding points). */
export interface ApiChartBuckets {
  bucket: number[];
  count: number[];
  nan_count: number[];
  first_x: WireNumber[];
  first_v: WireNumber[];
  last_x: WireNumber[];
  last_v: WireNumber[];
  min_x: WireNumber[];
  min_v: WireNumber[];
  max_x: WireNumber[];
  max_v: WireNumber[];
}

/** A chart read as JSON. */
export interface ApiChart extends ApiChartMeta {
  buckets: ApiChartBuckets;
}

/** A log line. */
export interface ApiLogLine {
  run_id: string;
  n: number;
  /** Epoch milliseconds. */
  time: number;
  stream: 'stdout' | 'stderr' | 'sdk' | 'system';
  level: string;
  text: string;
  metadata: Record<string, ApiJson> | null;
}

/** A log line sent to `POST /runs/{id}/logs`. */
export interface ApiLogInput {
  text: string;
  stream?: ApiLogLine['stream'];
  level?: string;
  time?: number;
  metadata?: Record<string, ApiJson>;
}

/** Body of `POST /ingest/points` as JSON: aligned columns. */
export interface ApiPointBatch {
  series: number[];
  /** null (or absent) where no x was given. */
  x?: (number | null)[];
  /** Epoch milliseconds; @default the server's clock when absent */
  time?: number[];
  value: WireNumber[];
  /**
   * Series id -> position (0-based point number within the series) of that series' first point
   * in this batch. The server drops points it already holds and refuses a gap with 409
   * `ingest_gap`, so a writer can resend a batch after an outage without doubling points.
   */
  start?: Record<string, number>;
}

/** Answer of `POST /ingest/points`. */
export interface ApiIngestResult {
  /** Points stored from this batch. */
  accepted: number;
  /** Points dropped because their series already held them (positions before `next`). */
  skipped: number;
  /** Series id -> its next position after this batch, for every series in the batch or in `start`. */
  next: Record<string, number>;
}

/** Error body of every failed request. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    field?: string;
    /** `ingest_gap` (409) only: series id -> the position the server expects next. */
    expected?: Record<string, number>;
  };
}

/** Messages a live client sends on `/api/v1/live`. */
export type LiveClientMessage = {
  type: 'subscribe';
  /** Series id to cursor (the number of points already held). */
  series?: Record<string, number>;
  /** Runs whose every series is wanted from its start. */
  runs?: string[];
  /**
   * Wire encoding of the deltas on this connection from now on: JSON text, `'binary'` (float64
   * columns), or `'packed'` (binary with consecutive x, whole-millisecond times and constant flags
   * packed; ~12 bytes a point). @default 'json'
   */
  encoding?: 'json' | 'binary' | 'packed';
};

/** New points of one series, from point number `from`. */
export interface LiveDelta {
  series: number;
  run: string;
  from: number;
  x: number[];
  x_given: number[];
  time: number[];
  value: WireNumber[];
}

/** Messages the server sends on `/api/v1/live`. */
export type LiveServerMessage =
  | { type: 'subscribed'; series: Record<string, number>; runs: string[] }
  | { type: 'delta'; deltas: LiveDelta[] }
  | { type: 'run'; run: ApiRun }
  | { type: 'error'; error: { code: string; message: string } };
