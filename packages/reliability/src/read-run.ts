import { type Run, Store } from '@trainscope/core';

/** A finished run as a store holds it: the run and each series' summary by name. */
export interface RunView {
  run: Run;
  counts: Map<string, number>;
}

/** Opens the store in `dir` (no owner may hold it) and reads its only or newest run. */
export async function readNewestRun(dir: string): Promise<RunView> {
  const store = await Store.open({ dir });
  try {
    const [run] = await store.listRuns({});
    if (!run) throw new Error(`no run in ${dir}`);
    const series = await store.listSeries(run.id);
    const summaries = await store.summaries(series.map((s) => s.id));
    const counts = new Map(series.map((s, i) => [s.name, summaries[i]?.count ?? 0]));
    return { run, counts };
  } finally {
    await store.close();
  }
}
