import type { SeriesDef, Store } from '@trainscope/core';

/** Ids of what `seedStore` wrote, handed to the browser tests. */
export interface Seeded {
  project: string;
  runA: string;
  runB: string;
  /** Series name to id, run A. */
  a: Record<string, number>;
  /** Series name to id, run B. */
  b: Record<string, number>;
  /** Points per training series of run A (x = 0 .. steps-1). */
  steps: number;
  /** Step of the one spike in run A's train/loss, and its value. */
  spikeStep: number;
  spikeValue: number;
  /** Step of run A's val/loss NaN. */
  nanStep: number;
}

function ingest(store: Store, seriesId: number, xs: number[], values: number[], t0: number, dt: number): void {
  const n = xs.length;
  const time = new Float64Array(n);
  for (let i = 0; i < n; i++) time[i] = t0 + i * dt;
  store.ingestor.ingest({
    length: n,
    series: new Uint32Array(n).fill(seriesId),
    x: Float64Array.from(xs),
    time,
    value: Float64Array.from(values),
  });
}

/**
 * Two runs of one project, like a real training job: run A finished, with training metrics
 * (a loss with one spike, a validation loss holding a NaN, an accuracy on a 0..100 % scale, a
 * progress metric), system metrics (CPU, memory, disk, one GPU) and log lines; run B still running.
 */
export async function seedStore(store: Store): Promise<Seeded> {
  const project = 'vision';
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  const runA = await store.createRun({
    project,
    name: 'resnet-a',
    params: { lr: 0.001, batch_size: 128, optimizer: 'adam' },
    tags: ['baseline'],
    host: { hostname: 'gpu-node-1', cpuCount: 16, gpuCount: 1, gpuType: 'NVIDIA H100' },
    startedAt: t0,
  });
  const runB = await store.createRun({ project, name: 'resnet-b', params: { lr: 0.01 }, startedAt: t0 + 60_000 });
  await store.openRun(runA.id);
  await store.openRun(runB.id);
  const steps = 20_000;
  const spikeStep = 12_345;
  const spikeValue = 50;
  const nanStep = 40;
  const define = (run: string, def: SeriesDef) => store.defineSeries(run, def).id;
  const a: Record<string, number> = {};
  const b: Record<string, number> = {};
  const defs: SeriesDef[] = [
    { name: 'train/loss', group: 'train' },
    { name: 'train/accuracy', group: 'train', scale: { name: 'acc', units: '%', lower: 0, upper: 100 } },
    { name: 'val/loss', group: 'val' },
    { name: 'data/progress', type: 'progress', scale: { progress: true, upper: 1 } },
    { name: 'cpu/usage_percent', kind: 'system', unit: '%' },
    { name: 'memory/usage_percent', kind: 'system', unit: '%' },
    { name: 'disk/utilization', kind: 'system', unit: 'fraction' },
    { name: 'gpu/0/utilization', kind: 'system', unit: 'fraction', labels: { gpu: '0' } },
    { name: 'gpu/0/memory_used_bytes', kind: 'system', unit: 'bytes', labels: { gpu: '0' } },
  ];
  for (const def of defs) a[def.name] = define(runA.id, def);
  for (const def of defs.slice(0, 3)) b[def.name] = define(runB.id, def);
  b['live/metric'] = define(runB.id, { name: 'live/metric', group: 'live' });

  const xs = Array.from({ length: steps }, (_, i) => i);
  const loss = xs.map((i) => 2 * Math.exp(-i / 4000) + 0.1);
  loss[spikeStep] = spikeValue;
  ingest(store, a['train/loss'] as number, xs, loss, t0, 100);
  ingest(
    store,
    a['train/accuracy'] as number,
    xs,
    xs.map((i) => 100 * (1 - Math.exp(-i / 5000))),
    t0,
    100,
  );
  const epochs = Array.from({ length: 100 }, (_, i) => i * 200);
  const val = epochs.map((s) => 2.1 * Math.exp(-s / 4000) + 0.15);
  val[nanStep] = Number.NaN;
  ingest(store, a['val/loss'] as number, epochs, val, t0, 20_000);
  ingest(store, a['data/progress'] as number, [0, 1, 2, 3], [0.25, 0.5, 0.75, 0.9], t0, 1000);
  const sys = Array.from({ length: 200 }, (_, i) => i);
  ingest(
    store,
    a['cpu/usage_percent'] as number,
    sys,
    sys.map((i) => 50 + 30 * Math.sin(i / 10)),
    t0,
    10_000,
  );
  ingest(
    store,
    a['memory/usage_percent'] as number,
    sys,
    sys.map((i) => 20 + i / 10),
    t0,
    10_000,
  );
  ingest(
    store,
    a['disk/utilization'] as number,
    sys,
    sys.map(() => 0.42),
    t0,
    10_000,
  );
  ingest(
    store,
    a['gpu/0/utilization'] as number,
    sys,
    sys.map((i) => 0.9 + 0.05 * Math.sin(i)),
    t0,
    10_000,
  );
  ingest(
    store,
    a['gpu/0/memory_used_bytes'] as number,
    sys,
    sys.map(() => 30 * 2 ** 30),
    t0,
    10_000,
  );
  ingest(
    store,
    b['train/loss'] as number,
    xs.slice(0, 5000),
    xs.slice(0, 5000).map((i) => 3 * Math.exp(-i / 2000)),
    t0 + 60_000,
    100,
  );
  ingest(store, b['live/metric'] as number, [0, 1, 2], [1, 2, 3], t0 + 60_000, 1000);
  await store.flush();
  store.appendLogs(runA.id, [
    { text: 'Epoch 1/10', stream: 'stdout' },
    { text: '{"metric": "loss", "value": 0.5}', stream: 'stdout' },
    { text: 'CUDA warning: low memory', stream: 'stderr', level: 'warn' },
  ]);
  await store.updateRun(runA.id, { status: 'completed', endedAt: t0 + 3_600_000, exitCode: 0 });
  await store.flush();
  return { project, runA: runA.id, runB: runB.id, a, b, steps, spikeStep, spikeValue, nanStep };
}
