import type { LogInput, PluginContext, PointBatch, Run, SeriesDef } from '@trainscope/core';
import { silentLogger } from '@trainscope/core';

/** One stored point, with its series definition, as a test reads it back. */
export interface RecordedPoint {
  series: SeriesDef;
  value: number;
  time: number;
  x: number;
}

/** A PluginContext that keeps everything it is given, for assertions. */
export interface RecordingContext extends PluginContext {
  readonly defs: SeriesDef[];
  readonly batches: PointBatch[];
  readonly logs: LogInput[];
  readonly controller: AbortController;
  /** Every point, in the order ingested. */
  points(): RecordedPoint[];
  /** Values of the series with this name (and exactly these labels, when given). */
  values(name: string, labels?: Record<string, string>): number[];
}

const run: Run = {
  id: 'run-1',
  project: 'test',
  name: 'statsd test',
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

/** Creates a recording context; series ids are assigned from 0 and cached by name and labels. */
export function recordingContext(): RecordingContext {
  const defs: SeriesDef[] = [];
  const ids = new Map<string, number>();
  const batches: PointBatch[] = [];
  const logs: LogInput[] = [];
  const controller = new AbortController();
  const points = (): RecordedPoint[] =>
    batches.flatMap((b) =>
      Array.from({ length: b.length }, (_, i) => ({
        series: defs[b.series[i] as number] as SeriesDef,
        value: b.value[i] as number,
        time: b.time[i] as number,
        x: b.x[i] as number,
      })),
    );
  return {
    run,
    defs,
    batches,
    logs,
    controller,
    signal: controller.signal,
    logger: silentLogger,
    series(def) {
      const key = `${def.name}\u0000${JSON.stringify(def.labels ?? {})}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = defs.length;
        defs.push(def);
        ids.set(key, id);
      }
      return id;
    },
    ingest(batch) {
      batches.push({
        length: batch.length,
        series: batch.series.slice(0, batch.length),
        x: batch.x.slice(0, batch.length),
        time: batch.time.slice(0, batch.length),
        value: batch.value.slice(0, batch.length),
      });
    },
    log(line) {
      logs.push(line);
    },
    points,
    values(name, labels) {
      return points()
        .filter(
          (p) =>
            p.series.name === name &&
            (labels === undefined || JSON.stringify(p.series.labels ?? {}) === JSON.stringify(labels)),
        )
        .map((p) => p.value);
    },
  };
}

/** Waits (polling) until `condition` holds; fails with `what` after 10 s. Not a timing assertion. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
