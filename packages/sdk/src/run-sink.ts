import type { LogInput, PointBatch, Run, RunPatch, Series, SeriesDef } from '@trainscope/core';

/** A series of the run as a sink knows it, with how many points it holds and its last x. */
export interface SinkSeries {
  /** Id in the sink's id space (what `RunSink.series` returns). */
  id: number;
  series: Series;
  count: number;
  lastX: number | null;
}

/** A page of points read back, columnar; `series` holds sink ids. */
export interface SinkRows {
  length: number;
  series: ArrayLike<number>;
  x: ArrayLike<number>;
  value: ArrayLike<number>;
  next: string | null;
}

/** How a sink ended: points it could not deliver, and where they are kept. */
export interface DeliveryReport {
  /** Points not delivered (0 when everything arrived). */
  undelivered: number;
  /** File holding the undelivered points, or null when none are kept on disk. */
  keptAt: string | null;
}

/**
 * Where an experiment's points, log lines and run changes go: the store itself (local mode) or a
 * server (remote mode). Same contract as core's `PluginContext` for series, points and logs.
 */
export interface RunSink {
  readonly mode: 'local' | 'remote';
  readonly run: Run;
  series(def: SeriesDef): number;
  ingest(batch: PointBatch): void;
  log(line: LogInput): void;
  updateRun(patch: RunPatch): Promise<Run>;
  listSeries(): Promise<SinkSeries[]>;
  /** Points of series (sink ids) by x in [start, end], paged; delivers pending points first. */
  read(ids: number[], start: number, end: number, cursor: string | null): Promise<SinkRows>;
  /** Resolves when everything handed over so far is stored (remote: acknowledged by the server). */
  flush(): Promise<void>;
  /** Like `flush`, but gives up at `deadline` (epoch ms); true when everything was delivered. */
  settle(deadline: number): Promise<boolean>;
  /** Stops; what could not be delivered by now is kept (and reported). */
  close(): Promise<DeliveryReport>;
}
