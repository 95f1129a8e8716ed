import type {
  ApiChart,
  ApiChartMeta,
  ApiLogLine,
  ApiPoints,
  ApiProject,
  ApiRun,
  ApiSeries,
  ApiSummary,
  LiveDelta,
} from '@trainscope/client';
import { encodeColumn, encodeNumber } from '@trainscope/client';
import type { ChartData, LogLine, PointRows, Project, Run, Series, SeriesDelta, SeriesSummary } from '@trainscope/core';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

// Wire forms of runs already shown, by Run object. The store replaces a run's object when the run
// changes (never edits it), so an entry cannot go stale; formatting three dates and the host facts
// of 10,000 runs took 30 ms of a run list, this lookup well under one.
const runWires = new WeakMap<Run, ApiRun>();

/** A run as the API shows it (a fresh object the caller may add to). */
export function runToWire(run: Run): ApiRun {
  let wire = runWires.get(run);
  if (!wire) {
    wire = formatRun(run);
    runWires.set(run, wire);
  }
  return { ...wire };
}

function formatRun(run: Run): ApiRun {
  return {
    id: run.id,
    project: run.project,
    name: run.name,
    status: run.status,
    created_at: new Date(run.createdAt).toISOString(),
    started_at: iso(run.startedAt),
    ended_at: iso(run.endedAt),
    exit_code: run.exitCode,
    error_message: run.errorMessage,
    params: run.params,
    tags: run.tags,
    host: Object.fromEntries(Object.entries(run.host).filter(([, v]) => v !== undefined)) as ApiRun['host'],
  };
}

/** A project as the API shows it. */
export function projectToWire(p: Project): ApiProject {
  return { name: p.name, run_count: p.runCount, last_activity: iso(p.lastActivity) };
}

/** A series as the API shows it. */
export function seriesToWire(s: Series): ApiSeries {
  return {
    id: s.id,
    run_id: s.runId,
    name: s.name,
    kind: s.kind,
    type: s.type,
    group: s.group,
    x_scale: s.xScale,
    scale: s.scale,
    unit: s.unit,
    labels: s.labels,
  };
}

const wireOrNull = (v: number | null) => (v === null ? null : encodeNumber(v));
const finiteOrNull = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

/** A summary as the API shows it. */
export function summaryToWire(s: SeriesSummary): ApiSummary {
  return {
    series_id: s.seriesId,
    count: s.count,
    non_finite: s.nonFinite,
    last: s.last === null ? null : encodeNumber(s.last),
    last_x: finiteOrNull(s.lastX),
    last_time: finiteOrNull(s.lastTime),
    min: wireOrNull(s.min),
    max: wireOrNull(s.max),
    mean: wireOrNull(s.mean),
    std: wireOrNull(s.std),
  };
}

/** A log line as the API shows it. */
export function logToWire(l: LogLine): ApiLogLine {
  return {
    run_id: l.runId,
    n: l.n,
    time: l.time,
    stream: l.stream,
    level: l.level,
    text: l.text,
    metadata: l.metadata,
  };
}

/** A page of points as JSON columns. */
export function pointsToWire(rows: PointRows): ApiPoints {
  return {
    series: Array.from(rows.series),
    n: Array.from(rows.n),
    x: Array.from(rows.x),
    x_given: Array.from(rows.xGiven),
    time: Array.from(rows.time),
    value: encodeColumn(rows.value),
    next: rows.next,
  };
}

/** Everything of a chart read but its buckets. */
export function chartMetaToWire(c: ChartData): ApiChartMeta {
  return {
    series_id: c.seriesId,
    axis: c.axis,
    start: c.start,
    end: c.end,
    pixel_exp: c.pixelExp,
    source: c.source,
    last: c.last === null ? null : { x: c.last.x, time: c.last.time, value: encodeNumber(c.last.value) },
    points: c.points,
  };
}

/** A chart read as JSON. */
export function chartToWire(c: ChartData): ApiChart {
  const b = c.buckets;
  return {
    ...chartMetaToWire(c),
    buckets: {
      bucket: Array.from(b.bucket),
      count: Array.from(b.count),
      nan_count: Array.from(b.nanCount),
      first_x: encodeColumn(b.firstX),
      first_v: encodeColumn(b.firstV),
      last_x: encodeColumn(b.lastX),
      last_v: encodeColumn(b.lastV),
      min_x: encodeColumn(b.minX),
      min_v: encodeColumn(b.minV),
      max_x: encodeColumn(b.maxX),
      max_v: encodeColumn(b.maxV),
    },
  };
}

/** A live delta as JSON. */
export function deltaToWire(d: SeriesDelta): LiveDelta {
  return {
    series: d.seriesId,
    run: d.runId,
    from: d.from,
    x: Array.from(d.x),
    x_given: Array.from(d.xGiven),
    time: Array.from(d.time),
    value: encodeColumn(d.value),
  };
}
