import { Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { ApiRequestError } from './api-request-error.js';
import type { TrainingJobMetricsResponse } from './baseten-types.js';
import { type LiveOptions, LiveStream, type WebSocketConstructor } from './live.js';
import type {
  ApiChart,
  ApiChartMeta,
  ApiChartQuery,
  ApiErrorBody,
  ApiIngestResult,
  ApiLogInput,
  ApiLogLine,
  ApiPointBatch,
  ApiPoints,
  ApiPointsQuery,
  ApiProject,
  ApiRun,
  ApiRunInput,
  ApiRunPatch,
  ApiRunStatus,
  ApiSeries,
  ApiSeriesDef,
  ApiSummary,
} from './types.js';
import { decodeColumn, encodeColumn } from './wire-number.js';

/** Options of `TrainscopeClient`. */
export interface ClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:43117`. */
  url: string;
  /** API key, sent as `Authorization: Api-Key <key>` (and as a WebSocket subprotocol). @default none */
  apiKey?: string;
  /** fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** WebSocket constructor for `live()`. @default globalThis.WebSocket, else the `ws` package */
  WebSocket?: WebSocketConstructor;
}

/** Filters of `runs()`. */
export interface RunListOptions {
  project?: string;
  status?: ApiRunStatus;
  name?: string;
  tag?: string;
  limit?: number;
  offset?: number;
  /** Series names whose summaries to include with each run. */
  summaries?: string[];
}

/** A page of points, decoded to typed columns. */
export interface PointsPage {
  length: number;
  series: Uint32Array;
  n: Float64Array;
  x: Float64Array;
  xGiven: Uint8Array;
  time: Float64Array;
  value: Float64Array;
  next: string | null;
}

/** A chart read, decoded to typed columns. */
export interface ChartResult extends ApiChartMeta {
  length: number;
  bucket: Float64Array;
  count: Float64Array;
  nanCount: Float64Array;
  firstX: Float64Array;
  firstV: Float64Array;
  lastX: Float64Array;
  lastV: Float64Array;
  minX: Float64Array;
  minV: Float64Array;
  maxX: Float64Array;
  maxV: Float64Array;
}

/** Points to send: aligned columns; x NaN/null where none was given; time defaults to the server's clock. */
export interface PointsInput {
  series: ArrayLike<number>;
  value: ArrayLike<number>;
  x?: ArrayLike<number | null>;
  time?: ArrayLike<number>;
}

/** Options of `ingest()` and `ingestArrow()`. */
export interface IngestOptions {
  /**
   * Series id -> position (0-based point number within the series) of that series' first point in
   * this batch. With it the server drops points a series already holds and refuses a gap (409
   * `ingest_gap`, with the positions it expects in `ApiRequestError.expected`), so a batch can be
   * resent after an outage without doubling points. @default none (every point is appended)
   */
  start?: Record<number, number>;
}

/** Schema metadata key that carries `IngestOptions.start` in an Arrow IPC ingest body. */
export const START_METADATA_KEY = 'trainscope.start';

/** The table with `start` in its schema metadata. */
function withStart(table: Table, start: Record<number, number>): Table {
  const metadata = new Map(table.schema.metadata);
  metadata.set(START_METADATA_KEY, JSON.stringify(start));
  const schema = new Schema(table.schema.fields, metadata, table.schema.dictionaries);
  return new Table(schema, table.batches);
}

type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

const CHART_COLUMNS = [
  ['bucket', 'bucket'],
  ['count', 'count'],
  ['nanCount', 'nan_count'],
  ['firstX', 'first_x'],
  ['firstV', 'first_v'],
  ['lastX', 'last_x'],
  ['lastV', 'last_v'],
  ['minX', 'min_x'],
  ['minV', 'min_v'],
  ['maxX', 'max_x'],
  ['maxV', 'max_v'],
] as const;

function float64(table: Table, name: string): Float64Array {
  const column = table.getChild(name);
  return column ? Float64Array.from(column.toArray() as ArrayLike<number>) : new Float64Array(table.numRows);
}

/**
 * Typed client of the trainscope API: runs, series, points, charts, summaries, logs, ingest,
 * Baseten job metrics, and a live stream that reconnects and resumes from its cursors.
 * Works in Node 20+ and browsers.
 */
export class TrainscopeClient {
  readonly url: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #WebSocket: WebSocketConstructor | undefined;

  constructor(options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#WebSocket = options.WebSocket;
  }

  // ---- runs ---------------------------------------------------------------------------------

  async projects(): Promise<ApiProject[]> {
    return (await this.#json<{ projects: ApiProject[] }>('GET', '/api/v1/projects')).projects;
  }

  async runs(options: RunListOptions = {}): Promise<ApiRun[]> {
    const { summaries, ...filter } = options;
    const q = queryString({ ...filter, summaries: summaries?.join(',') });
    return (await this.#json<{ runs: ApiRun[] }>('GET', `/api/v1/runs${q}`)).runs;
  }

  run(id: string): Promise<ApiRun> {
    return this.#json('GET', `/api/v1/runs/${encodeURIComponent(id)}`);
  }

  createRun(input: ApiRunInput = {}): Promise<ApiRun> {
    return this.#json('POST', '/api/v1/runs', input);
  }

  updateRun(id: string, patch: ApiRunPatch): Promise<ApiRun> {
    return this.#json('PATCH', `/api/v1/runs/${encodeURIComponent(id)}`, patch);
  }

  // ---- series -------------------------------------------------------------------------------

  async series(runId: string): Promise<ApiSeries[]> {
    return (await this.#json<{ series: ApiSeries[] }>('GET', `/api/v1/runs/${encodeURIComponent(runId)}/series`))
      .series;
  }

  /** Defines series by name (idempotent) and returns them with their ids, in the order given. */
  async defineSeries(runId: string, defs: ApiSeriesDef[]): Promise<ApiSeries[]> {
    const path = `/api/v1/runs/${encodeURIComponent(runId)}/series`;
    return (await this.#json<{ series: ApiSeries[] }>('POST', path, { series: defs })).series;
  }

  async summaries(runId: string, seriesIds?: number[]): Promise<ApiSummary[]> {
    const q = queryString({ series: seriesIds?.join(',') });
    const path = `/api/v1/runs/${encodeURIComponent(runId)}/summaries${q}`;
    return (await this.#json<{ summaries: ApiSummary[] }>('GET', path)).summaries;
  }

  // ---- points and charts --------------------------------------------------------------------

  /** A page of full-resolution points, decoded (NaN and +/-Infinity restored). */
  async points(query: ApiPointsQuery): Promise<PointsPage> {
    const page = await this.#json<ApiPoints>('GET', `/api/v1/points${this.#pointsQuery(query, 'json')}`);
    return {
      length: page.series.length,
      series: Uint32Array.from(page.series),
      n: Float64Array.from(page.n),
      x: Float64Array.from(page.x),
      xGiven: Uint8Array.from(page.x_given),
      time: Float64Array.from(page.time),
      value: decodeColumn(page.value),
      next: page.next,
    };
  }

  /** A page of points as an Arrow table (columns series, n, x, x_given, time, value) and the next cursor. */
  async pointsArrow(query: ApiPointsQuery): Promise<{ table: Table; next: string | null }> {
    const res = await this.#request('GET', `/api/v1/points${this.#pointsQuery(query, 'arrow')}`);
    return {
      table: tableFromIPC(new Uint8Array(await res.arrayBuffer())),
      next: res.headers.get('trainscope-next-cursor'),
    };
  }

  /** A page of points as CSV (`run_id,series,x,wall_time,value`). */
  async pointsCsv(query: ApiPointsQuery): Promise<string> {
    return (await this.#request('GET', `/api/v1/points${this.#pointsQuery(query, 'csv')}`)).text();
  }

  /** M4 chart read of one series, transferred as Arrow IPC. */
  async chart(seriesId: number, query: ApiChartQuery): Promise<ChartResult> {
    const res = await this.#request('GET', `/api/v1/series/${seriesId}/chart${queryString({ ...query })}`);
    const meta = JSON.parse(res.headers.get('trainscope-chart') ?? 'null') as ApiChartMeta | null;
    if (!meta) throw new ApiRequestError(res.status, 'bad_response', 'The chart response has no metadata header.');
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    const columns = Object.fromEntries(CHART_COLUMNS.map(([key, name]) => [key, float64(table, name)]));
    return { ...meta, length: table.numRows, ...(columns as Omit<ChartResult, keyof ApiChartMeta | 'length'>) };
  }

  /** The same chart read as JSON (non-finite values as strings). */
  chartJson(seriesId: number, query: ApiChartQuery): Promise<ApiChart> {
    return this.#json('GET', `/api/v1/series/${seriesId}/chart${queryString({ ...query, format: 'json' })}`);
  }

  // ---- logs ---------------------------------------------------------------------------------

  async logs(runId: string, query: { tail?: number; from?: number; limit?: number } = {}): Promise<ApiLogLine[]> {
    const path = `/api/v1/runs/${encodeURIComponent(runId)}/logs${queryString(query)}`;
    return (await this.#json<{ logs: ApiLogLine[] }>('GET', path)).logs;
  }

  async appendLogs(runId: string, lines: ApiLogInput[]): Promise<number> {
    const path = `/api/v1/runs/${encodeURIComponent(runId)}/logs`;
    return (await this.#json<{ accepted: number }>('POST', path, { lines })).accepted;
  }

  /** Appends log lines sent as an Arrow IPC stream or table (columns text, and optionally stream, level, time). */
  async appendLogsArrow(runId: string, ipc: Uint8Array | Table): Promise<number> {
    const path = `/api/v1/runs/${encodeURIComponent(runId)}/logs`;
    const bytes = ipc instanceof Uint8Array ? ipc : tableToIPC(ipc, 'stream');
    const res = await this.#request('POST', path, bytes, 'application/vnd.apache.arrow.stream');
    return ((await res.json()) as { accepted: number }).accepted;
  }

  // ---- ingest -------------------------------------------------------------------------------

  /**
   * Sends points of series defined earlier (by id) as JSON; NaN and +/-Infinity are kept. With
   * `options.start` a resent batch stores only what the server does not hold yet.
   */
  ingest(points: PointsInput, options: IngestOptions = {}): Promise<ApiIngestResult> {
    const body: ApiPointBatch = { series: Array.from(points.series), value: encodeColumn(points.value) };
    if (points.x) {
      body.x = Array.from(points.x, (v) => (v === null || Number.isNaN(v) ? null : v));
    }
    if (points.time) body.time = Array.from(points.time);
    if (options.start) body.start = options.start;
    return this.#json('POST', '/api/v1/ingest/points', body);
  }

  /**
   * Sends points as an Arrow IPC stream or table (columns series, value, and optionally x and
   * time). `options.start` travels in the schema metadata (`trainscope.start`).
   */
  async ingestArrow(ipc: Uint8Array | Table, options: IngestOptions = {}): Promise<ApiIngestResult> {
    let bytes: Uint8Array;
    if (options.start) {
      const table = ipc instanceof Uint8Array ? tableFromIPC(ipc) : ipc;
      bytes = tableToIPC(withStart(table, options.start), 'stream');
    } else bytes = ipc instanceof Uint8Array ? ipc : tableToIPC(ipc, 'stream');
    const res = await this.#request('POST', '/api/v1/ingest/points', bytes, 'application/vnd.apache.arrow.stream');
    return (await res.json()) as ApiIngestResult;
  }

  // ---- Baseten ------------------------------------------------------------------------------

  /** Baseten's job-metrics call against this server (project = run project, job = run id). */
  jobMetrics(
    project: string,
    job: string,
    range: { start_epoch_millis?: number | null; end_epoch_millis?: number | null } = {},
  ): Promise<TrainingJobMetricsResponse> {
    const path = `/v1/training_projects/${encodeURIComponent(project)}/jobs/${encodeURIComponent(job)}/metrics`;
    return this.#json('POST', path, { start_epoch_millis: null, end_epoch_millis: null, ...range });
  }

  // ---- live ---------------------------------------------------------------------------------

  /** Opens a live stream that reconnects on its own and resumes from its cursors. */
  live(options: LiveOptions): LiveStream {
    const url = `${this.url.replace(/^http/, 'ws')}/api/v1/live`;
    return new LiveStream(url, this.#apiKey, this.#WebSocket, options);
  }

  // ---- internals ----------------------------------------------------------------------------

  #pointsQuery(query: ApiPointsQuery, format: string): string {
    return queryString({ ...query, series: query.series.join(','), format });
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#request(method, path, body === undefined ? undefined : JSON.stringify(body));
    return (await res.json()) as T;
  }

  async #request(method: string, path: string, body?: string | Uint8Array, contentType?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.#apiKey) headers['authorization'] = `Api-Key ${this.#apiKey}`;
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    let res: Response;
    try {
      res = await this.#fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: body as BodyInit } : {}),
      });
    } catch (cause) {
      throw new ApiRequestError(0, 'unreachable', `Cannot reach the trainscope server at ${this.url}.`, undefined, {
        cause,
      });
    }
    if (res.ok) return res;
    let error: ApiErrorBody['error'] = { code: 'http_error', message: `HTTP ${res.status}` };
    try {
      error = ((await res.json()) as ApiErrorBody).error ?? error;
    } catch {
      // not a JSON error body: keep the status
    }
    throw new ApiRequestError(res.status, error.code, error.message, error.field, undefined, error.expected);
  }
}
