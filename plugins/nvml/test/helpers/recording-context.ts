import type { LogInput, PluginContext, PointBatch, Run, SeriesDef } from '@trainscope/core';
import { silentLogger } from '@trainscope/core';

/** One ingested point, resolved to its series name. */
export interface RecordedPoint {
  name: string;
  value: number;
  time: number;
  x: number;
}

/** A PluginContext that keeps everything handed to it, for assertions. */
export interface RecordingContext {
  context: PluginContext;
  series: SeriesDef[];
  points: RecordedPoint[];
  logs: LogInput[];
  batches: number;
  controller: AbortController;
  /** Points of one series, in arrival order. */
  of(name: string): RecordedPoint[];
}

/** Records what a plugin hands its context, in memory, for exact assertions (the conformance suite covers the real store). */
export function recordingContext(): RecordingContext {
  const controller = new AbortController();
  const byName = new Map<string, number>();
  const record: RecordingContext = {
    series: [],
    points: [],
    logs: [],
    batches: 0,
    controller,
    of: (name) => record.points.filter((p) => p.name === name),
    context: undefined as unknown as PluginContext,
  };
  const run: Run = {
    id: 'run-test',
    project: 'test',
    name: 'test',
    status: 'running',
    createdAt: Date.now(),
    startedAt: Date.now(),
    endedAt: null,
    exitCode: null,
    errorMessage: null,
    params: {},
    tags: [],
    host: {},
  };
  record.context = {
    run,
    series(def: SeriesDef): number {
      const known = byName.get(def.name);
      if (known !== undefined) return known;
      record.series.push(def);
      byName.set(def.name, record.series.length - 1);
      return record.series.length - 1;
    },
    ingest(batch: PointBatch): void {
      record.batches++;
      for (let i = 0; i < batch.length; i++) {
        const def = record.series[batch.series[i] as number];
        if (!def) throw new Error(`ingest: unknown series id ${batch.series[i]}`);
        if (!Number.isFinite(batch.time[i])) throw new Error(`ingest: non-finite time ${batch.time[i]}`);
        record.points.push({
          name: def.name,
          value: batch.value[i] as number,
          time: batch.time[i] as number,
          x: batch.x[i] as number,
        });
      }
    },
    log(line: LogInput): void {
      record.logs.push(line);
    },
    logger: silentLogger,
    signal: controller.signal,
  };
  return record;
}

/** Polls `check` until it returns true (no fixed sleeps, no timing assertions). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
