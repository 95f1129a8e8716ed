import type { ApiChartQuery, ApiLogLine, ApiProject, ApiRun, ApiSeries, ApiSummary } from '@trainscope/client';
import { BucketTrace, pixelExpFor } from './bucket-trace.js';
import type { ChartRead, DataSource, LiveHandle, LiveHandlers, LivePoints, RunQuery } from './data-source.js';

/** Points of one series held in the page. */
export interface MemoryPoints {
  x: ArrayLike<number>;
  /** Epoch ms; @default x */
  time?: ArrayLike<number>;
  value: ArrayLike<number>;
}

/** What a `MemorySource` holds. */
export interface MemoryData {
  runs: ApiRun[];
  series: ApiSeries[];
  /** Points per series id. */
  points: Record<number, MemoryPoints>;
  /** Log lines per run id. @default {} */
  logs?: Record<string, ApiLogLine[]>;
}

interface Held {
  x: number[];
  time: number[];
  value: number[];
}

/**
 * A `DataSource` over data held in the page: the components work with no server. Chart reads are
 * M4 buckets computed here, on the same power-of-two grid as the server's; `append` feeds live
 * subscribers like the server's WebSocket does.
 */
export class MemorySource implements DataSource {
  readonly #runs: ApiRun[];
  readonly #series: ApiSeries[];
  readonly #points = new Map<number, Held>();
  readonly #logs: Record<string, ApiLogLine[]>;
  readonly #subs = new Set<{ series: Set<number>; runs: Set<string>; handlers: LiveHandlers }>();

  constructor(data: MemoryData) {
    this.#runs = data.runs;
    this.#series = data.series;
    this.#logs = data.logs ?? {};
    for (const [id, p] of Object.entries(data.points)) {
      this.#points.set(Number(id), {
        x: Array.from(p.x),
        time: Array.from(p.time ?? p.x),
        value: Array.from(p.value),
      });
    }
  }

  async listProjects(): Promise<ApiProject[]> {
    const by = new Map<string, ApiProject>();
    for (const r of this.#runs) {
      const p = by.get(r.project) ?? { name: r.project, run_count: 0, last_activity: null };
      p.run_count++;
      if (!p.last_activity || r.created_at > p.last_activity) p.last_activity = r.created_at;
      by.set(r.project, p);
    }
    return [...by.values()];
  }

  async listRuns(query: RunQuery = {}): Promise<ApiRun[]> {
    const runs = this.#runs.filter(
      (r) => (!query.project || r.project === query.project) && (!query.status || r.status === query.status),
    );
    if (!query.summaries?.length) return runs;
    const wanted = new Set(query.summaries);
    return Promise.all(
      runs.map(async (r) => {
        const series = this.#series.filter((s) => s.run_id === r.id && wanted.has(s.name));
        const stats = await this.summaries(
          r.id,
          series.map((s) => s.id),
        );
        const summaries: Record<string, ApiSummary> = {};
        for (const st of stats) {
          const s = series.find((x) => x.id === st.series_id);
          if (s) summaries[s.name] = st;
        }
        return { ...r, summaries };
      }),
    );
  }

  async getRun(runId: string): Promise<ApiRun> {
    const run = this.#runs.find((r) => r.id === runId);
    if (!run) throw new Error(`No run with id "${runId}" in this data.`);
    return run;
  }

  async listSeries(runId: string): Promise<ApiSeries[]> {
    return this.#series.filter((s) => s.run_id === runId);
  }

  async getSeries(seriesId: number): Promise<ApiSeries> {
    const s = this.#series.find((x) => x.id === seriesId);
    if (!s) throw new Error(`No series with id ${seriesId} in this data.`);
    return s;
  }

  async summaries(runId: string, seriesIds?: number[]): Promise<ApiSummary[]> {
    const ids = seriesIds ?? this.#series.filter((s) => s.run_id === runId).map((s) => s.id);
    return ids.map((id) => summaryOf(id, this.#points.get(id)));
  }

  async chart(seriesId: number, query: ApiChartQuery): Promise<ChartRead> {
    const held = this.#points.get(seriesId) ?? { x: [], time: [], value: [] };
    const axis = query.axis ?? 'x';
    const xs = axis === 'x' ? held.x : held.time;
    let lo = query.start ?? Number.POSITIVE_INFINITY;
    let hi = query.end ?? Number.NEGATIVE_INFINITY;
    if (query.start === undefined || query.end === undefined) {
      for (const x of xs) {
        if (query.start === undefined && x < lo) lo = x;
        if (query.end === undefined && x > hi) hi = x;
      }
    }
    if (!(hi >= lo)) [lo, hi] = [0, 0];
    const exp = pixelExpFor(hi - lo, query.width);
    const pixel = 2 ** exp;
    const first = Math.floor(lo / pixel) * pixel;
    const end = (Math.floor(hi / pixel) + 1) * pixel;
    const trace = new BucketTrace(exp);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as number;
      if (x >= first && x < end) trace.addPoint(x, held.value[i] as number);
    }
    const n = held.value.length;
    return {
      axis,
      start: lo,
      end: hi,
      pixelExp: exp,
      buckets: trace.columns,
      last:
        n === 0
          ? null
          : { x: held.x[n - 1] as number, time: held.time[n - 1] as number, value: held.value[n - 1] as number },
      points: n,
    };
  }

  async logs(runId: string, tail: number): Promise<ApiLogLine[]> {
    return (this.#logs[runId] ?? []).slice(-tail);
  }

  subscribe(request: { series?: Record<number, number>; runs?: string[] }, handlers: LiveHandlers): LiveHandle {
    const sub = {
      series: new Set(Object.keys(request.series ?? {}).map(Number)),
      runs: new Set(request.runs ?? []),
      handlers,
    };
    this.#subs.add(sub);
    return {
      add: (series) => {
        for (const id of Object.keys(series)) sub.series.add(Number(id));
      },
      close: () => {
        this.#subs.delete(sub);
      },
    };
  }

  /** Appends points to a series and hands them to live subscribers. */
  append(seriesId: number, points: MemoryPoints): void {
    let held = this.#points.get(seriesId);
    if (!held) {
      held = { x: [], time: [], value: [] };
      this.#points.set(seriesId, held);
    }
    const from = held.value.length;
    for (let i = 0; i < points.value.length; i++) {
      held.x.push(points.x[i] as number);
      held.time.push((points.time ?? points.x)[i] as number);
      held.value.push(points.value[i] as number);
    }
    const runId = this.#series.find((s) => s.id === seriesId)?.run_id ?? '';
    const delta: LivePoints = {
      seriesId,
      runId,
      from,
      x: Float64Array.from(points.x),
      time: Float64Array.from(points.time ?? points.x),
      value: Float64Array.from(points.value),
    };
    for (const sub of this.#subs) {
      if (sub.series.has(seriesId) || sub.runs.has(runId)) sub.handlers.onDelta([delta]);
    }
  }
}

function summaryOf(id: number, held: Held | undefined): ApiSummary {
  const values = held?.value ?? [];
  let count = 0;
  let nonFinite = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let sq = 0;
  for (const v of values) {
    count++;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sq += v * v;
  }
  const finite = count - nonFinite;
  const mean = finite ? sum / finite : null;
  const n = values.length;
  return {
    series_id: id,
    count,
    non_finite: nonFinite,
    last: n ? wire(values[n - 1] as number) : null,
    last_x: n ? (held?.x[n - 1] ?? null) : null,
    last_time: n ? (held?.time[n - 1] ?? null) : null,
    min: finite ? min : null,
    max: finite ? max : null,
    mean,
    std: mean === null ? null : Math.sqrt(Math.max(0, sq / finite - mean * mean)),
  };
}

function wire(v: number): number | 'NaN' | 'Infinity' | '-Infinity' {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}
