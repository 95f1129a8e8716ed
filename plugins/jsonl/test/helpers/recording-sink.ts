import type { LogInput, PluginContext, PointBatch, Run, SeriesDef } from '@trainscope/core';
import { silentLogger } from '@trainscope/core';
import type { JsonlSink, MldashSeriesColumns } from '../../src/index.js';

/** Points of one series, in the order they were handed over. */
export interface RecordedSeries {
  def: SeriesDef;
  x: number[];
  time: number[];
  value: number[];
}

/** A sink that keeps everything it is given (series by definition, points per series, log lines). */
export class RecordingSink implements JsonlSink {
  readonly defs: SeriesDef[] = [];
  readonly logs: LogInput[] = [];
  readonly batches: PointBatch[] = [];
  readonly #ids = new Map<string, number>();
  readonly #points: RecordedSeries[] = [];

  series(def: SeriesDef): number {
    const key = `${def.name}\u0000${JSON.stringify(def.labels ?? {})}`;
    const known = this.#ids.get(key);
    if (known !== undefined) return known;
    const id = this.defs.length;
    this.defs.push(def);
    this.#points.push({ def, x: [], time: [], value: [] });
    this.#ids.set(key, id);
    return id;
  }

  ingest(batch: PointBatch): void {
    this.batches.push(batch);
    for (let i = 0; i < batch.length; i++) {
      const s = this.#points[batch.series[i] as number];
      if (!s) throw new Error(`point for unknown series id ${batch.series[i]}`);
      s.x.push(batch.x[i] as number);
      s.time.push(batch.time[i] as number);
      s.value.push(batch.value[i] as number);
    }
  }

  log(line: LogInput): void {
    this.logs.push(line);
  }

  /** Every series by name (the last one defined wins when names repeat). */
  byName(): Map<string, RecordedSeries> {
    return new Map(this.#points.map((s) => [s.def.name, s]));
  }

  /** One series by name; throws when absent. */
  get(name: string): RecordedSeries {
    const s = this.byName().get(name);
    if (!s) throw new Error(`no series "${name}"; have ${[...this.byName().keys()].join(', ')}`);
    return s;
  }

  /** Total points received. */
  get pointCount(): number {
    return this.#points.reduce((n, s) => n + s.value.length, 0);
  }

  /** Log lines that report a rejection, as `line: reason` (from their metadata). */
  rejections(): string[] {
    return this.logs
      .filter((l) => l.metadata?.['reason'] !== undefined)
      .map((l) => `${String(l.metadata?.['line'])}: ${String(l.metadata?.['reason'])}`);
  }

  /** The text of those log lines up to the reason, as a user reads it: `file:line: reason`. */
  reports(): string[] {
    return this.logs
      .filter((l) => l.metadata?.['reason'] !== undefined)
      .map((l) => l.text.split(': ').slice(1, 3).join(': '));
  }

  /** The series as export input for `writeMldashExperiment`. */
  columns(): MldashSeriesColumns[] {
    return this.#points.map((s) => ({
      def: s.def,
      x: Float64Array.from(s.x),
      time: Float64Array.from(s.time),
      value: Float64Array.from(s.value),
    }));
  }
}

/** A run for plugin tests. */
export const testRun: Run = {
  id: 'run-1',
  project: 'test',
  name: 'test run',
  status: 'running',
  createdAt: 0,
  startedAt: 0,
  endedAt: null,
  exitCode: null,
  errorMessage: null,
  params: {},
  tags: [],
  host: {},
};

/** A plugin context that records into a `RecordingSink`; abort `controller` to end the run. */
export function recordingContext(): { context: PluginContext; sink: RecordingSink; controller: AbortController } {
  const sink = new RecordingSink();
  const controller = new AbortController();
  const context: PluginContext = {
    run: testRun,
    series: (def) => sink.series(def),
    ingest: (batch) => sink.ingest(batch),
    log: (line) => sink.log(line),
    logger: silentLogger,
    signal: controller.signal,
  };
  return { context, sink, controller };
}

/** Same number, NaN equal to NaN (for comparing columns that hold NaN). */
export const sameNumbers = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
