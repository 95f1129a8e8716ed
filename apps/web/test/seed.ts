import type { Store } from '@trainscope/core';

/** What `seed` wrote. */
export interface Seeded {
  project: string;
  done: { id: string; name: string; loss: number; points: number };
  running: { id: string; name: string; loss: number; points: number };
}

function ingest(store: Store, series: number, from: number, n: number, t0: number, f: (i: number) => number): void {
  const x = Float64Array.from({ length: n }, (_, i) => from + i);
  store.ingestor.ingest({
    length: n,
    series: new Uint32Array(n).fill(series),
    x,
    time: Float64Array.from(x, (i) => t0 + i * 100),
    value: Float64Array.from(x, f),
  });
}

/** Two runs of one project: one finished (training and system metrics, a log), one still running. */
export async function seed(store: Store): Promise<Seeded> {
  const project = 'vision';
  const t0 = Date.UTC(2026, 0, 5, 9);
  const a = await store.createRun({ project, name: 'resnet-a', params: { lr: 0.001 }, startedAt: t0 });
  const b = await store.createRun({ project, name: 'resnet-b', params: { lr: 0.01 }, startedAt: t0 + 60_000 });
  await store.openRun(a.id);
  await store.openRun(b.id);
  const aLoss = store.defineSeries(a.id, { name: 'train/loss', group: 'train' }).id;
  const aVal = store.defineSeries(a.id, { name: 'val/loss', group: 'val' }).id;
  const aCpu = store.defineSeries(a.id, { name: 'cpu/usage_percent', kind: 'system', unit: '%' }).id;
  const bLoss = store.defineSeries(b.id, { name: 'train/loss', group: 'train' }).id;
  ingest(store, aLoss, 0, 2000, t0, (i) => 2 * Math.exp(-i / 500) + 0.1);
  ingest(store, aVal, 0, 20, t0, (i) => 2.2 * Math.exp(-i / 5) + 0.15);
  ingest(store, aCpu, 0, 100, t0, (i) => 50 + 20 * Math.sin(i / 5));
  ingest(store, bLoss, 0, 500, t0 + 60_000, (i) => 3 * Math.exp(-i / 300));
  store.appendLogs(a.id, [{ text: 'Epoch 1/10', stream: 'stdout' }]);
  await store.flush();
  await store.updateRun(a.id, { status: 'completed', endedAt: t0 + 600_000, exitCode: 0 });
  return {
    project,
    done: { id: a.id, name: 'resnet-a', loss: aLoss, points: 2000 },
    running: { id: b.id, name: 'resnet-b', loss: bLoss, points: 500 },
  };
}
