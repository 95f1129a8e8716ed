import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LogLine, type Run, type Series, Store } from '@trainscope/core';

/** A fresh temp directory for a store. */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `trainscope-sdk-${label}-`));
}

/** Fresh temp directories of one test file, all removed by `remove()` (in `afterAll`). */
export function tempDirs(label: string): { dir(): string; remove(): void } {
  const dirs: string[] = [];
  return {
    dir() {
      const d = tempDir(label);
      dirs.push(d);
      return d;
    },
    remove() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** A series read back with its points. */
export interface StoredSeries {
  series: Series;
  x: number[];
  xGiven: boolean[];
  time: number[];
  value: number[];
}

/** What a closed store holds for a run: the run, its series by name (and labels), its log. */
export interface StoredRun {
  run: Run;
  series: Map<string, StoredSeries>;
  logs: LogLine[];
}

/** Opens the store in `dir` (no one else may own it), reads a run whole, and closes it. */
export async function readBack(dir: string, runId: string): Promise<StoredRun> {
  const store = await Store.open({ dir });
  try {
    const run = await store.getRun(runId);
    const series = new Map<string, StoredSeries>();
    for (const s of await store.listSeries(runId)) {
      const rows = await store.readPoints({ series: [s.id], by: 'n', limit: 1_000_000 });
      series.set(s.name, {
        series: s,
        x: Array.from(rows.x),
        xGiven: Array.from(rows.xGiven, (g) => g === 1),
        time: Array.from(rows.time),
        value: Array.from(rows.value),
      });
    }
    return { run, series, logs: await store.readLogs(runId) };
  } finally {
    await store.close();
  }
}
