import type {
  ApiChart,
  ApiChartMeta,
  ApiChartQuery,
  ApiErrorBody,
  ApiLogLine,
  ApiProject,
  ApiRun,
  ApiSeries,
  ApiSummary,
  LiveServerMessage,
} from '@trainscope/client';
import { readArrowColumns } from '@trainscope/client';
import type { ChartRead, DataSource, LiveHandle, LiveHandlers, LivePoints, RunQuery } from './data-source.js';
import { chartFromWire, decodeWireColumn, decodeWireNumber } from './wire.js';

/** An API answer that was not a success. */
export class ServerError extends Error {
  readonly status: number;
  readonly code: string;
  readonly url: string;

  constructor(status: number, code: string, message: string, url: string) {
    super(`${message} (${status} ${code} from ${url})`);
    this.name = 'ServerError';
    this.status = status;
    this.code = code;
    this.url = url;
  }
}

/** Options of `ServerSource`. */
export interface ServerSourceOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** API key, sent as `Authorization: Api-Key <key>` (and as a WebSocket subprotocol). @default none */
  apiKey?: string;
  /** Delay before a dropped live connection is opened again, in ms. @default 1000 */
  reconnectMs?: number;
}

/** Series ids the server takes in one summaries request. */
const SUMMARY_IDS_PER_REQUEST = 1000;
const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
/** Header of a chart answer holding its metadata (one object per series) beside Arrow buckets. */
const CHART_META_HEADER = 'trainscope-chart';
/** Series ids sent in one chart request (the server takes up to 256). */
const CHART_IDS_PER_REQUEST = 64;

function chartParams(query: ApiChartQuery): URLSearchParams {
  const params = new URLSearchParams({ width: String(query.width) });
  if (query.start !== undefined) params.set('start', String(query.start));
  if (query.end !== undefined) params.set('end', String(query.end));
  if (query.axis) params.set('axis', query.axis);
  return params;
}

interface SummaryBatch {
  ids: Set<number>;
  answer: Promise<Map<number, ApiSummary>> | null;
}

/** Chart reads asked for in the same task over the same range and width, sent as one request. */
interface ChartBatch {
  ids: number[];
  answer: Promise<Map<number, ChartRead>> | null;
}

interface Listener {
  handlers: LiveHandlers;
  /** Next point number this listener wants, per series it follows (or was sent, via `runs`). */
  cursor: Map<number, number>;
  runs: Set<string>;
}

/**
 * Reads a trainscope server over HTTP (`/api/v1`) and follows it over one shared WebSocket
 * (`/api/v1/live`): every chart on a page shares the socket, and each series is subscribed
 * from the number of points its chart already holds, so history is never sent twice.
 */
export class ServerSource implements DataSource {
  readonly url: string;
  readonly #apiKey: string | undefined;
  readonly #reconnectMs: number;
  #socket: WebSocket | null = null;
  #open = false;
  readonly #listeners = new Set<Listener>();
  /**
   * Per live series, the point number the socket is at: where the server was last asked to send
   * from, moved on by what arrived. A listener that wants earlier points rewinds it.
   */
  readonly #cursor = new Map<number, number>();
  readonly #runs = new Set<string>();
  #closed = false;
  /** Series never change once defined, so one read serves every chart that names them. */
  readonly #seriesCache = new Map<number, Promise<ApiSeries>>();
  /** GETs in flight by path: the charts of a dashboard asking for the same run share one request. */
  readonly #inflight = new Map<string, Promise<unknown>>();
  /** Summaries asked for in the same task, per run, sent as one request. */
  readonly #summaryBatches = new Map<string, SummaryBatch>();
  /** Chart reads asked for in the same task, per range and width. */
  readonly #chartBatches = new Map<string, ChartBatch>();

  constructor(options: ServerSourceOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#reconnectMs = options.reconnectMs ?? 1000;
  }

  #get<T>(path: string): Promise<T> {
    let pending = this.#inflight.get(path) as Promise<T> | undefined;
    if (!pending) {
      pending = this.#fetch<T>(path);
      this.#inflight.set(path, pending);
      const forget = () => this.#inflight.delete(path);
      pending.then(forget, forget);
    }
    return pending;
  }

  async #fetch<T>(path: string): Promise<T> {
    return (await (await this.#request(path, 'application/json')).json()) as T;
  }

  /** A GET that answered with success, or a `ServerError` carrying the API's error code. */
  async #request(path: string, accept: string): Promise<Response> {
    const url = `${this.url}/api/v1${path}`;
    const headers: Record<string, string> = { accept };
    if (this.#apiKey) headers['authorization'] = `Api-Key ${this.#apiKey}`;
    const response = await fetch(url, { headers });
    if (!response.ok) {
      let code = 'http_error';
      let message = response.statusText;
      try {
        const body = (await response.json()) as ApiErrorBody;
        code = body.error.code;
        message = body.error.message;
      } catch {
        // Not a JSON error body; keep the status text.
      }
      throw new ServerError(response.status, code, message, url);
    }
    return response;
  }

  async listProjects(): Promise<ApiProject[]> {
    return (await this.#get<{ projects: ApiProject[] }>('/projects')).projects;
  }

  async listRuns(query: RunQuery = {}): Promise<ApiRun[]> {
    const params = new URLSearchParams();
    if (query.project) params.set('project', query.project);
    if (query.status) params.set('status', query.status);
    if (query.summaries?.length) params.set('summaries', query.summaries.join(','));
    params.set('limit', String(query.limit ?? 1000));
    return (await this.#get<{ runs: ApiRun[] }>(`/runs?${params}`)).runs;
  }

  getRun(runId: string): Promise<ApiRun> {
    return this.#get<ApiRun>(`/runs/${encodeURIComponent(runId)}`);
  }

  async listSeries(runId: string): Promise<ApiSeries[]> {
    const series = (await this.#get<{ series: ApiSeries[] }>(`/runs/${encodeURIComponent(runId)}/series`)).series;
    for (const s of series) if (!this.#seriesCache.has(s.id)) this.#seriesCache.set(s.id, Promise.resolve(s));
    return series;
  }

  getSeries(seriesId: number): Promise<ApiSeries> {
    let cached = this.#seriesCache.get(seriesId);
    if (!cached) {
      cached = this.#get<ApiSeries>(`/series/${seriesId}`);
      cached.catch(() => this.#seriesCache.delete(seriesId));
      this.#seriesCache.set(seriesId, cached);
    }
    return cached;
  }

  /**
   * Summaries of a run's series. Calls made in the same task for the same run go out as one
   * request (a dashboard's charts each ask for their own series as they load).
   */
  async summaries(runId: string, seriesIds?: number[]): Promise<ApiSummary[]> {
    if (!seriesIds?.length) return this.#summaryRequest(runId, null);
    let batch = this.#summaryBatches.get(runId);
    if (!batch) {
      const created: SummaryBatch = { ids: new Set(), answer: null };
      created.answer = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
        this.#summaryBatches.delete(runId);
        return this.#summaryChunks(runId, [...created.ids]);
      });
      batch = created;
      this.#summaryBatches.set(runId, batch);
    }
    for (const id of seriesIds) batch.ids.add(id);
    const all = await (batch.answer as Promise<Map<number, ApiSummary>>);
    return seriesIds.flatMap((id) => {
      const s = all.get(id);
      return s ? [s] : [];
    });
  }

  async #summaryChunks(runId: string, ids: number[]): Promise<Map<number, ApiSummary>> {
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += SUMMARY_IDS_PER_REQUEST)
      chunks.push(ids.slice(i, i + SUMMARY_IDS_PER_REQUEST));
    const answers = await Promise.all(chunks.map((chunk) => this.#summaryRequest(runId, chunk)));
    return new Map(answers.flat().map((s) => [s.series_id, s]));
  }

  async #summaryRequest(runId: string, ids: number[] | null): Promise<ApiSummary[]> {
    const q = ids ? `?series=${ids.join(',')}` : '';
    return (await this.#get<{ summaries: ApiSummary[] }>(`/runs/${encodeURIComponent(runId)}/summaries${q}`)).summaries;
  }

  /**
   * M4 buckets of one series. Reads asked for in the same task over the same range and width
   * (the series of one chart) go out as one multi-series request; if it fails, each series is
   * asked for on its own, so one bad series fails only its own read.
   */
  async chart(seriesId: number, query: ApiChartQuery): Promise<ChartRead> {
    const params = chartParams(query);
    const key = params.toString();
    let batch = this.#chartBatches.get(key);
    if (!batch) {
      const created: ChartBatch = { ids: [], answer: null };
      // A microtask, not a timer: the reads of one chart are asked for in one synchronous loop.
      created.answer = Promise.resolve().then(() => {
        this.#chartBatches.delete(key);
        return this.#chartRequest(created.ids, params);
      });
      batch = created;
      this.#chartBatches.set(key, batch);
    }
    if (!batch.ids.includes(seriesId)) batch.ids.push(seriesId);
    try {
      const answer = (await (batch.answer as Promise<Map<number, ChartRead>>)).get(seriesId);
      if (answer) return answer;
    } catch {
      // Read on its own below: only a bad series fails, with the server's own error for it, and a
      // server without the multi-series route still answers.
    }
    return chartFromWire(await this.#get<ApiChart>(`/series/${seriesId}/chart?${params}&format=json`));
  }

  /**
   * M4 buckets of several series over one range in one request, sent before this returns (not
   * batched to the end of the task as `chart` is). If it fails, each series is asked for on its own.
   */
  async charts(seriesIds: number[], query: ApiChartQuery): Promise<ChartRead[]> {
    const params = chartParams(query);
    let answers: Map<number, ChartRead> | null = null;
    try {
      answers = await this.#chartRequest([...new Set(seriesIds)], params);
    } catch {
      // Read one by one below, as `chart` does.
    }
    return Promise.all(
      seriesIds.map(
        async (id) =>
          answers?.get(id) ?? chartFromWire(await this.#get<ApiChart>(`/series/${id}/chart?${params}&format=json`)),
      ),
    );
  }

  /** One multi-series chart request, answered as Arrow: columns are viewed, not parsed. */
  async #chartRequest(ids: number[], params: URLSearchParams): Promise<Map<number, ChartRead>> {
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += CHART_IDS_PER_REQUEST) chunks.push(ids.slice(i, i + CHART_IDS_PER_REQUEST));
    const answers = await Promise.all(chunks.map((chunk) => this.#chartChunk(chunk, params)));
    return new Map(answers.flatMap((m) => [...m]));
  }

  async #chartChunk(chunk: number[], params: URLSearchParams): Promise<Map<number, ChartRead>> {
    const out = new Map<number, ChartRead>();
    const response = await this.#request(`/chart?series=${chunk.join(',')}&${params}`, ARROW_STREAM);
    const metas = JSON.parse(response.headers.get(CHART_META_HEADER) ?? 'null') as ApiChartMeta[] | null;
    if (!Array.isArray(metas)) {
      throw new ServerError(response.status, 'bad_response', 'The chart answer has no metadata header.', response.url);
    }
    const { columns } = readArrowColumns(await response.arrayBuffer());
    const column = (name: string) => columns.get(name) ?? new Float64Array(0);
    const seriesColumn = column('series_id');
    let at = 0;
    for (const meta of metas) {
      const from = at;
      while (at < seriesColumn.length && seriesColumn[at] === meta.series_id) at++;
      const rows = (name: string) => column(name).subarray(from, at);
      out.set(meta.series_id, {
        axis: meta.axis,
        start: meta.start,
        end: meta.end,
        pixelExp: meta.pixel_exp,
        last:
          meta.last === null
            ? null
            : { x: meta.last.x, time: meta.last.time, value: decodeWireNumber(meta.last.value) },
        ...(typeof meta.points === 'number' ? { points: meta.points } : {}),
        buckets: {
          length: at - from,
          bucket: rows('bucket'),
          count: rows('count'),
          nanCount: rows('nan_count'),
          firstX: rows('first_x'),
          firstV: rows('first_v'),
          lastX: rows('last_x'),
          lastV: rows('last_v'),
          minX: rows('min_x'),
          minV: rows('min_v'),
          maxX: rows('max_x'),
          maxV: rows('max_v'),
        },
      });
    }
    return out;
  }

  async logs(runId: string, tail: number): Promise<ApiLogLine[]> {
    return (await this.#get<{ logs: ApiLogLine[] }>(`/runs/${encodeURIComponent(runId)}/logs?tail=${tail}`)).logs;
  }

  subscribe(request: { series?: Record<number, number>; runs?: string[] }, handlers: LiveHandlers): LiveHandle {
    const listener: Listener = { handlers, cursor: new Map(), runs: new Set(request.runs ?? []) };
    this.#listeners.add(listener);
    const add = (series: Record<number, number>) => {
      const fresh: Record<number, number> = {};
      for (const [id, cursor] of Object.entries(series)) {
        const seriesId = Number(id);
        listener.cursor.set(seriesId, cursor);
        // Another listener may have moved the socket past this one's cursor (points that arrived
        // after this listener read its history): the server is asked to send from here again, and
        // each listener is handed only what it has not had.
        const at = this.#cursor.get(seriesId);
        if (at === undefined || cursor < at) {
          this.#cursor.set(seriesId, cursor);
          fresh[seriesId] = cursor;
        }
      }
      this.#send({ series: fresh });
    };
    const runs = (request.runs ?? []).filter((r) => !this.#runs.has(r));
    for (const r of runs) this.#runs.add(r);
    if (request.series) add(request.series);
    if (runs.length > 0) this.#send({ runs });
    return {
      add,
      close: () => {
        this.#listeners.delete(listener);
        if (this.#listeners.size === 0) this.close();
      },
    };
  }

  /** Closes the live socket. */
  close(): void {
    this.#closed = true;
    this.#socket?.close();
    this.#socket = null;
    this.#open = false;
    this.#cursor.clear();
    this.#runs.clear();
  }

  #send(message: { series?: Record<number, number>; runs?: string[] }): void {
    this.#closed = false;
    if (!this.#socket) {
      this.#connect();
      return;
    }
    if (!this.#open) return; // The open handler subscribes everything held.
    if (Object.keys(message.series ?? {}).length === 0 && !message.runs?.length) return;
    this.#socket.send(JSON.stringify({ type: 'subscribe', ...message }));
  }

  #connect(): void {
    const wsUrl = `${this.url.replace(/^http/, 'ws')}/api/v1/live`;
    const protocols = ['trainscope'];
    if (this.#apiKey) protocols.push(`api-key.${this.#apiKey}`);
    const socket = new WebSocket(wsUrl, protocols);
    this.#socket = socket;
    socket.onopen = () => {
      this.#open = true;
      // Resume every series from the earliest point a listener still wants.
      const series = new Map(this.#cursor);
      for (const l of this.#listeners) {
        for (const [id, cursor] of l.cursor) series.set(id, Math.min(series.get(id) ?? cursor, cursor));
      }
      for (const [id, cursor] of series) this.#cursor.set(id, cursor);
      socket.send(JSON.stringify({ type: 'subscribe', series: Object.fromEntries(series), runs: [...this.#runs] }));
    };
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') this.#receive(event.data);
    };
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#open = false;
      if (!this.#closed && this.#listeners.size > 0) setTimeout(() => this.#reconnect(), this.#reconnectMs);
    };
  }

  #reconnect(): void {
    if (!this.#closed && !this.#socket && this.#listeners.size > 0) this.#connect();
  }

  #receive(text: string): void {
    let message: LiveServerMessage;
    try {
      message = JSON.parse(text) as LiveServerMessage;
    } catch {
      return;
    }
    if (message.type === 'run') {
      for (const l of this.#listeners) if (l.runs.has(message.run.id)) l.handlers.onRun?.(message.run);
      return;
    }
    if (message.type !== 'delta') return;
    const mine = new Map<Listener, LivePoints[]>();
    for (const d of message.deltas) {
      const end = d.from + d.value.length;
      if (end > (this.#cursor.get(d.series) ?? 0)) this.#cursor.set(d.series, end);
      let decoded: LivePoints | null = null;
      for (const l of this.#listeners) {
        let held = l.cursor.get(d.series);
        if (held === undefined) {
          if (!l.runs.has(d.run)) continue;
          held = d.from; // a series of a followed run: from its first point sent
        }
        if (end <= held) continue;
        decoded ??= {
          seriesId: d.series,
          runId: d.run,
          from: d.from,
          x: Float64Array.from(d.x),
          time: Float64Array.from(d.time),
          value: decodeWireColumn(d.value),
        };
        const skip = Math.max(0, held - d.from);
        l.cursor.set(d.series, end);
        let list = mine.get(l);
        if (!list) {
          list = [];
          mine.set(l, list);
        }
        list.push(skip === 0 ? decoded : slicePoints(decoded, skip));
      }
    }
    for (const [l, points] of mine) l.handlers.onDelta(points);
  }
}

function slicePoints(p: LivePoints, skip: number): LivePoints {
  return {
    seriesId: p.seriesId,
    runId: p.runId,
    from: p.from + skip,
    x: p.x.subarray(skip),
    time: p.time.subarray(skip),
    value: p.value.subarray(skip),
  };
}
