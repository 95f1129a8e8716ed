import type {
  ApiChartQuery,
  ApiLogLine,
  ApiProject,
  ApiRun,
  ApiRunStatus,
  ApiSeries,
  ApiSummary,
} from '@trainscope/client';
import type { M4Chart } from './chart-input.js';

/** A chart read: buckets plus the range it covers and the series' last point. */
export interface ChartRead extends M4Chart {
  axis: 'x' | 'time';
  start: number;
  end: number;
  last: { x: number; time: number; value: number } | null;
  /** Points of the series the read reflects, where the source knows it: the cursor live points go on from. */
  points?: number;
}

/** New points of one series from point number `from`, columnar. */
export interface LivePoints {
  seriesId: number;
  runId: string;
  from: number;
  x: Float64Array;
  time: Float64Array;
  value: Float64Array;
}

/** Filters of a run list. */
export interface RunQuery {
  project?: string;
  status?: ApiRunStatus;
  /** Series names whose summaries come with each run (`summaries` on the run). */
  summaries?: string[];
  /** @default 1000 */
  limit?: number;
}

/** A live subscription: add series to it, or close it. */
export interface LiveHandle {
  /** Adds series with the number of points already held. */
  add(series: Record<number, number>): void;
  close(): void;
}

/** What a live subscriber is told. */
export interface LiveHandlers {
  onDelta(points: LivePoints[]): void;
  onRun?(run: ApiRun): void;
}

/**
 * Where components get data: a trainscope server (`ServerSource`) or data held in the page
 * (`MemorySource`). Components take either, so they work with no server at all.
 */
export interface DataSource {
  listProjects(): Promise<ApiProject[]>;
  listRuns(query?: RunQuery): Promise<ApiRun[]>;
  getRun(runId: string): Promise<ApiRun>;
  listSeries(runId: string): Promise<ApiSeries[]>;
  getSeries(seriesId: number): Promise<ApiSeries>;
  /** Summaries of a run's series (all of them when `seriesIds` is absent). */
  summaries(runId: string, seriesIds?: number[]): Promise<ApiSummary[]>;
  /** M4 buckets of one series for a pixel width over a range. */
  chart(seriesId: number, query: ApiChartQuery): Promise<ChartRead>;
  /**
   * M4 buckets of several series over one range, asked for at once (a chart's zoom sends its read
   * before it redraws what it holds). Optional: without it, `chart` is called per series.
   */
  charts?(seriesIds: number[], query: ApiChartQuery): Promise<ChartRead[]>;
  /** The last `tail` log lines of a run. */
  logs(runId: string, tail: number): Promise<ApiLogLine[]>;
  /** Live points of series (from cursors) and run changes of runs. */
  subscribe(request: { series?: Record<number, number>; runs?: string[] }, handlers: LiveHandlers): LiveHandle;
}
