import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginContext, Store, type StorePluginContext } from '@trainscope/core';

/** A real store in a temp dir with one run and a plugin context on it. */
export async function openStoreRun(): Promise<{ store: Store; context: StorePluginContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'trainscope-stdout-'));
  const store = await Store.open({ dir, flushIntervalMs: 20 });
  const run = await store.createRun({ project: 'stdout', name: 'test' });
  const context = await createPluginContext(store, run.id);
  return {
    store,
    context,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every stored point of a run, by series name, as [x, value] (x null where none was given). */
export async function storedPoints(store: Store, runId: string): Promise<Map<string, [number | null, number][]>> {
  const series = await store.listSeries(runId);
  const names = new Map(series.map((s) => [s.id, s.name]));
  const rows = await store.readPoints({ series: series.map((s) => s.id), by: 'n' });
  const out = new Map<string, [number | null, number][]>();
  for (let i = 0; i < rows.length; i++) {
    const name = names.get(rows.series[i] as number) as string;
    const list = out.get(name) ?? [];
    list.push([rows.xGiven[i] ? (rows.x[i] as number) : null, rows.value[i] as number]);
    out.set(name, list);
  }
  return out;
}
