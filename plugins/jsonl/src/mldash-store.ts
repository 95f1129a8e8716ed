import type { Store } from '@trainscope/core';
import type { MldashExportInput } from './mldash-export.js';
import type { MldashSeriesColumns } from './mldash-records.js';

const PAGE = 1_000_000;

/**
 * Reads a stored run (series, every point in arrival order, log lines) as the input of
 * `writeMldashExperiment`: `trainscope export --format ml-dash` is this plus that.
 * Points whose x the store numbered itself (none was given) go out without `step`.
 */
export async function readRunForMldash(store: Store, runId: string): Promise<MldashExportInput> {
  await store.flush();
  const run = await store.getRun(runId);
  const series = await store.listSeries(runId);
  const columns: MldashSeriesColumns[] = [];
  for (const s of series) {
    const x: number[] = [];
    const time: number[] = [];
    const value: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.readPoints({ series: [s.id], by: 'n', limit: PAGE, cursor });
      for (let i = 0; i < page.length; i++) {
        x.push(page.xGiven[i] ? (page.x[i] as number) : Number.NaN);
        time.push(page.time[i] as number);
        value.push(page.value[i] as number);
      }
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    const def = { name: s.name, labels: s.labels };
    columns.push({ def, x: Float64Array.from(x), time: Float64Array.from(time), value: Float64Array.from(value) });
  }
  const logs = [];
  for (let from = 0; ; ) {
    const page = await store.readLogs(runId, { from, limit: 100_000 });
    for (const l of page) {
      logs.push({
        text: l.text,
        level: l.level,
        time: l.time,
        stream: l.stream,
        ...(l.metadata ? { metadata: l.metadata } : {}),
      });
    }
    if (page.length < 100_000) break;
    from = (page.at(-1)?.n ?? from) + 1;
  }
  return {
    project: run.project,
    name: run.name,
    params: run.params,
    tags: run.tags,
    createdAt: run.startedAt ?? run.createdAt,
    series: columns,
    logs: logs.filter((l) => l.stream === 'sdk'),
  };
}
