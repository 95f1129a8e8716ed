/** Lifecycle of a run. */
export const RunStatus = {
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  stopped: 'stopped',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Where a series came from. */
export const SeriesKind = {
  training: 'training',
  system: 'system',
  custom: 'custom',
} as const;
export type SeriesKind = (typeof SeriesKind)[keyof typeof SeriesKind];

/** How the values of a series are meant (statsd vocabulary, plus progress). */
export const MetricType = {
  gauge: 'gauge',
  counter: 'counter',
  rate: 'rate',
  timer: 'timer',
  histogram: 'histogram',
  set: 'set',
  progress: 'progress',
} as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

/** JSON value, as stored in params, labels and metadata. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Facts about the machine a run ran on (Baseten's instance type, FloydHub's machine). */
export interface HostInfo {
  hostname?: string;
  cpuCount?: number;
  memoryLimitBytes?: number;
  gpuCount?: number;
  gpuType?: string;
  gpuMemoryBytes?: number;
  instanceType?: string;
  nodeCount?: number;
  [key: string]: JsonValue | undefined;
}

/** One run (a job or experiment). Times are epoch milliseconds. */
export interface Run {
  id: string;
  project: string;
  name: string;
  status: RunStatus;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
  errorMessage: string | null;
  params: Record<string, JsonValue>;
  tags: string[];
  host: HostInfo;
}

/** Fields accepted when creating a run. */
export interface RunInput {
  project?: string;
  name?: string;
  /** Chosen by the store when absent. */
  id?: string;
  status?: RunStatus;
  params?: Record<string, JsonValue>;
  tags?: string[];
  host?: HostInfo;
  startedAt?: number;
}

/** Fields that may change on a run. */
export interface RunPatch {
  name?: string;
  status?: RunStatus;
  endedAt?: number | null;
  startedAt?: number | null;
  exitCode?: number | null;
  errorMessage?: string | null;
  params?: Record<string, JsonValue>;
  tags?: string[];
  host?: HostInfo;
}

/** Coflux-style axis description: units and bounds; `progress` draws the series as a progress bar. */
export interface AxisScale {
  name?: string;
  units?: string;
  lower?: number;
  upper?: number;
  progress?: boolean;
}

/** What a source says about a series when it first names it. */
export interface SeriesDef {
  /** Full name, segments joined with `/` (`train/loss`, `gpu/0/utilization`). */
  name: string;
  /** @default 'training' */
  kind?: SeriesKind;
  /** @default 'gauge' */
  type?: MetricType;
  /** Coflux group (shared x axis); defaults to the name's first segment when it has several. */
  group?: string;
  /** x axis description (Coflux MetricGroup). */
  xScale?: AxisScale;
  /** y axis description (Coflux MetricScale). */
  scale?: AxisScale;
  /** Unit of the values (`bytes`, `cores`, `%`, `ms`). */
  unit?: string;
  /** Extra dimensions: node, gpu rank, statsd tags. */
  labels?: Record<string, string>;
}

/** A series as stored. */
export interface Series {
  id: number;
  runId: string;
  name: string;
  kind: SeriesKind;
  type: MetricType;
  group: string | null;
  xScale: AxisScale | null;
  scale: AxisScale | null;
  unit: string | null;
  labels: Record<string, string>;
}

/** Per-series statistics kept in step with ingest. Min/max/mean/std are over finite values. */
export interface SeriesSummary {
  seriesId: number;
  count: number;
  nonFinite: number;
  last: number | null;
  lastX: number | null;
  lastTime: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
}

/** Where a log line came from. */
export const LogStream = {
  stdout: 'stdout',
  stderr: 'stderr',
  sdk: 'sdk',
  system: 'system',
} as const;
export type LogStream = (typeof LogStream)[keyof typeof LogStream];

/** A log line as handed to the store. */
export interface LogInput {
  text: string;
  /** @default 'system' */
  stream?: LogStream;
  /** @default 'info' */
  level?: string;
  /** Epoch milliseconds; @default now */
  time?: number;
  metadata?: Record<string, JsonValue>;
}

/** A stored log line; `n` is its position in the run's log. */
export interface LogLine {
  runId: string;
  n: number;
  time: number;
  stream: LogStream;
  level: string;
  text: string;
  metadata: Record<string, JsonValue> | null;
}

/** A project and how many runs it has. */
export interface Project {
  name: string;
  runCount: number;
  lastActivity: number | null;
}
