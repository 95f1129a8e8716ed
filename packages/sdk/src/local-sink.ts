import { createPluginContext, type Store } from '@trainscope/core';
import type { RunSink, SinkSeries } from './run-sink.js';

/**
 * Writes a run straight into a store this process owns: series and points through core's plugin
 * context, reads through the store. Sink ids are store ids. Closes the store on `close()` when
 * `ownsStore`.
 */
export async function localSink(store: Store, runId: string, ownsStore: boolean): Promise<RunSink> {
  const context = await createPluginContext(store, runId);
  let run = context.run;
  return {
    mode: 'local',
    get run() {
      return run;
    },
    series: context.series,
    ingest: context.ingest,
    log: context.log,
    async updateRun(patch) {
      run = await store.updateRun(runId, patch);
      return run;
    },
    async listSeries(): Promise<SinkSeries[]> {
      const series = await store.listSeries(runId);
      const summaries = new Map((await store.summaries(series.map((s) => s.id))).map((s) => [s.seriesId, s]));
      return series.map((s) => ({
        id: s.id,
        series: s,
        count: summaries.get(s.id)?.count ?? 0,
        lastX: summaries.get(s.id)?.lastX ?? null,
      }));
    },
    async read(ids, start, end, cursor) {
      await store.flush();
      return store.readPoints({ series: ids, by: 'x', start, end, ...(cursor ? { cursor } : {}) });
    },
    flush: () => store.flush(),
    async settle() {
      await store.flush();
      return true;
    },
    async close() {
      context.abort();
      if (ownsStore) await store.close();
      else await store.flush();
      return { undelivered: 0, keptAt: null };
    },
  };
}
