/**
 * Load. (1) 20 concurrent `trainscope run` processes on one store served by `trainscope serve`,
 * each printing 10k JSON metric lines a second and sending statsd counters: every printed point
 * must be stored; the sustained total and the server's CPU and peak RSS. (2) A large store built
 * through core (full: 10,000 runs x 1,000 series; quick: 500 x 200) and the API calls a dashboard
 * makes over HTTP: list runs, one run's series and summaries, a chart read, against 100 ms.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Store } from '@trainscope/core';
import { CLI_BIN, cpuSeconds, peakRssMiB, startChildServer } from '@trainscope/reliability';
import { type Benchmark, type BenchRow, median, percentile, timeRuns } from '../lib/harness.ts';

const printer = fileURLToPath(new URL('../../packages/reliability/src/load-printer.mjs', import.meta.url));

function runCli(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.resume();
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

async function concurrentRuns(dir: string, runs: number, rate: number, seconds: number): Promise<BenchRow> {
  const serve = spawn(process.execPath, [CLI_BIN, '--dir', dir, 'serve', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve) => {
    const take = (d: Buffer) => {
      output += d.toString();
      if (/http:\/\/127\.0\.0\.1:\d+/.test(output)) resolve();
    };
    serve.stdout.on('data', take);
    serve.stderr.on('data', take);
  });
  const pid = serve.pid as number;
  const cpu0 = cpuSeconds(pid);
  const start = performance.now();
  const codes = await Promise.all(
    Array.from({ length: runs }, (_, i) =>
      runCli([
        '--dir',
        dir,
        'run',
        '--project',
        'load',
        '--name',
        `r${i}`,
        '--no-gpu',
        '--',
        process.execPath,
        printer,
        String(rate),
        String(seconds),
      ]),
    ),
  );
  const wall = (performance.now() - start) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const rss = peakRssMiB(pid);
  const closed = new Promise((resolve) => serve.once('close', resolve));
  serve.kill('SIGTERM');
  await closed;
  const store = await Store.open({ dir });
  let stored = 0;
  let counted = 0;
  let complete = 0;
  try {
    for (const run of await store.listRuns({ project: 'load' })) {
      const series = await store.listSeries(run.id);
      const m = series.find((s) => s.name === 'm');
      const c = series.find((s) => s.name === 'load.lines');
      const [sm, sc] = await store.summaries([m?.id ?? -1, c?.id ?? -1].filter((id) => id >= 0));
      const points = sm?.count ?? 0;
      stored += points;
      if (points === rate * seconds) complete++;
      counted += Number(sc?.last ?? 0);
    }
  } finally {
    await store.close();
  }
  const expected = runs * rate * seconds;
  return {
    case: `${runs} x trainscope run, ${rate} lines/s + statsd, ${seconds} s`,
    'exit 0': codes.filter((c) => c === 0).length,
    'points printed': expected,
    'points stored': stored,
    'runs complete': complete,
    'statsd lines counted': counted,
    'stored/s (wall)': stored / wall,
    'server CPU s': cpu,
    'server CPU cores': cpu / wall,
    'server peak RSS MiB': rss,
  };
}

async function buildLargeStore(dir: string, runs: number, seriesPerRun: number, pointsPerSeries: number) {
  let store = await Store.open({ dir });
  let firstRun = '';
  let chartSeries = 0;
  const n = seriesPerRun * pointsPerSeries;
  const series = new Uint32Array(n);
  const x = new Float64Array(n);
  const time = new Float64Array(n);
  const value = new Float64Array(n);
  for (let r = 0; r < runs; r++) {
    // Written over time by many processes, not one: a store object keeps every series it wrote to
    // in memory, and 10M of them would not fit one process's heap.
    if (r > 0 && r % 500 === 0) {
      await store.close();
      store = await Store.open({ dir });
    }
    const run = await store.createRun({ project: `p${r % 10}`, name: `run-${r}`, params: { lr: 1e-3, r } });
    await store.openRun(run.id);
    for (let s = 0; s < seriesPerRun; s++) {
      const id = store.defineSeries(run.id, { name: `group${s % 10}/metric${s}` }).id;
      for (let i = 0; i < pointsPerSeries; i++) {
        const k = s * pointsPerSeries + i;
        series[k] = id;
        x[k] = i;
        time[k] = 1_700_000_000_000 + i;
        value[k] = Math.sin(i + s);
      }
      if (r === 0 && s === 0) chartSeries = id;
    }
    await store.ingestor.ingestAsync({ length: n, series, x, time, value });
    await store.updateRun(run.id, { status: 'completed', exitCode: 0 });
    if (r === 0) firstRun = run.id;
  }
  // One long series for the chart read.
  await store.openRun(firstRun);
  const long = 1_000_000;
  const lx = new Float64Array(long);
  const lt = new Float64Array(long);
  const lv = new Float64Array(long);
  for (let i = 0; i < long; i++) {
    lx[i] = i;
    lt[i] = 1_700_000_000_000 + i;
    lv[i] = Math.sin(i / 1000) + (i % 9973 === 0 ? 5 : 0);
  }
  await store.ingestor.ingestAsync({
    length: long,
    series: new Uint32Array(long).fill(chartSeries),
    x: lx,
    time: lt,
    value: lv,
  });
  await store.close();
  return { firstRun, chartSeries };
}

export default {
  name: 'load',
  async run({ full, tmpDir }) {
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    // BENCH_LOAD_STORE_ONLY=1 leaves out the concurrent runs (12 minutes of the full run).
    if (process.env['BENCH_LOAD_STORE_ONLY'] !== '1') {
      rows.push(await concurrentRuns(`${tmpDir}/concurrent`, 20, 10_000, full ? 60 : 3));
    }

    const [runs, perRun, points] = full ? [10_000, 1_000, 10] : [500, 200, 10];
    const buildStart = performance.now();
    const { firstRun, chartSeries } = await buildLargeStore(`${tmpDir}/large`, runs, perRun, points);
    notes.push(
      `large store: ${runs} runs x ${perRun} series x ${points} points (+ one 1M-point series) built through core in ${((performance.now() - buildStart) / 1000).toFixed(1)} s${full ? '' : '; quick mode, --full builds 10,000 x 1,000'}`,
    );
    const server = await startChildServer(`${tmpDir}/large`);
    try {
      const calls: [string, string][] = [
        ['list runs (first page of 100)', '/api/v1/runs?limit=100'],
        ['list runs (all)', `/api/v1/runs?limit=${runs}`],
        // The web app's project page: a run table of the project's runs (up to 1,000) with six
        // summary columns.
        [
          'one project: runs with 6 summary columns',
          `/api/v1/runs?project=p0&summaries=${Array.from({ length: 6 }, (_, s) => encodeURIComponent(`group${s % 10}/metric${s}`)).join(',')}`,
        ],
        ['one run: series list', `/api/v1/runs/${firstRun}/series`],
        ['one run: summaries', `/api/v1/runs/${firstRun}/summaries`],
        ['chart read, 1M points, 1000 px', `/api/v1/series/${chartSeries}/chart?width=1000`],
      ];
      for (const [label, path] of calls) {
        const call = async () => {
          const r = await fetch(`${server.url}${path}`);
          if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
          await r.arrayBuffer();
        };
        // The first call of each kind on a fresh server, apart: the store keeps what the run
        // list and the summary columns read (see Store.runSummaries), so later calls differ.
        const firstStart = performance.now();
        await call();
        const first = performance.now() - firstStart;
        const times = await timeRuns(call, 15, 2);
        const med = median(times);
        rows.push({
          case: `${label} (${runs} runs x ${perRun} series)`,
          'first call ms': first,
          'median ms': med,
          'p95 ms': percentile(times, 95),
          'target ms': 100,
          'median / target': med / 100,
        });
      }
    } finally {
      await server.stop();
    }
    return { rows, notes };
  },
} satisfies Benchmark;
