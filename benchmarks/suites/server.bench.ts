/**
 * Server: (1) live delivery over WebSockets: N subscribers on one run ingesting R points/s, with
 * delivery latency (ingest call -> point parsed by a real `ws` client) p50/p99 and the server's
 * peak RSS; (2) chart reads over HTTP (Arrow IPC and JSON) against the same `store.chart` call
 * in-process, on one large series. Loopback only; the subscribers run in a child process (this
 * file, forked with TRAINSCOPE_BENCH_ROLE=ws-clients) so their parsing is not counted as the
 * server's memory. The 100M-point store is the core chart benchmark's; this builds 10M (2M quick).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLiveBinary } from '@trainscope/client';
import { Store } from '@trainscope/core';
import { createServer } from '@trainscope/server';
import { WebSocket } from 'ws';
import { type Benchmark, type BenchRow, median, percentile } from '../lib/harness.ts';

interface ClientReport {
  samples: number[];
  /** Points inside the measured window [from, end) that the least served subscriber got. */
  minPoints: number;
  maxPoints: number;
  /** Points that arrived twice (a delta starting before the subscriber's cursor). */
  doubled: number;
  messages: number;
}

// ---- child: the subscribers -------------------------------------------------------------------

interface Delta {
  from: number;
  time: ArrayLike<number>;
}

function parseMessage(data: Buffer, isBinary: boolean): { type: string; deltas?: Delta[] } {
  if (!isBinary) return JSON.parse(data.toString('utf8')) as { type: string; deltas?: Delta[] };
  return { type: 'delta', deltas: decodeLiveBinary(data) };
}

async function runSubscribers(): Promise<void> {
  const url = process.env['BENCH_URL'] as string;
  const count = Number(process.env['BENCH_SUBSCRIBERS']);
  const seriesId = Number(process.env['BENCH_SERIES']);
  const encoding = process.env['BENCH_ENCODING'] as 'json' | 'binary';
  const samples: number[] = [];
  const points = new Array<number>(count).fill(0);
  const cursor = new Array<number>(count).fill(0);
  let doubled = 0;
  let messages = 0;
  // measured window of point positions: [windowFrom, windowEnd)
  let windowFrom = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: count }, (_, k) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/live`);
      sockets.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const now = Date.now();
          const m = parseMessage(data, isBinary);
          if (m.type === 'subscribed') resolve();
          if (m.type !== 'delta' || !m.deltas) return;
          messages++;
          for (const d of m.deltas) {
            const n = d.time.length;
            if (d.from < (cursor[k] as number)) doubled += Math.min(n, (cursor[k] as number) - d.from);
            cursor[k] = Math.max(cursor[k] as number, d.from + n);
            // points of this delta inside the measured window
            const lo = Math.max(d.from, windowFrom);
            const hi = Math.min(d.from + n, windowEnd);
            if (hi <= lo) continue;
            points[k] = (points[k] as number) + hi - lo;
            // every 97th point by number: an unbiased sample of per-point latency
            for (let p = lo + ((97 - (lo % 97)) % 97); p < hi; p += 97)
              samples.push(now - (d.time[p - d.from] as number));
          }
        });
        ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', encoding, series: { [seriesId]: 0 } })));
      });
    }),
  );
  process.send?.({ type: 'ready' });
  process.on('message', (message: { type: string; from?: number; end?: number }) => {
    if (message.type === 'measure') windowFrom = message.from as number;
    if (message.type === 'end') windowEnd = message.end as number;
    if (message.type === 'stop') {
      const report: ClientReport = {
        samples:
          samples.length > 400_000 ? samples.filter((_, i) => i % Math.ceil(samples.length / 400_000) === 0) : samples,
        minPoints: Math.min(...points),
        maxPoints: Math.max(...points),
        doubled,
        messages,
      };
      process.send?.({ type: 'report', report }, () => {
        for (const ws of sockets) ws.terminate();
        process.exit(0);
      });
    }
  });
}

if (process.env['TRAINSCOPE_BENCH_ROLE'] === 'ws-clients') {
  await runSubscribers().catch((error: unknown) => {
    process.send?.({ type: 'failed', message: String(error) }, () => process.exit(1));
  });
}

// ---- parent -----------------------------------------------------------------------------------

function waitFor<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${type}" from the subscriber process in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (m: { type: string; report?: T; message?: string }) => {
      if (m.type === 'failed') reject(new Error(`subscriber process failed: ${m.message}`));
      if (m.type === type) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m.report as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`subscriber process exited with ${code}`)));
    child.once('error', (error) => reject(error));
  });
}

const trace = (what: string) => {
  if (process.env['BENCH_TRACE']) process.stderr.write(`${new Date().toISOString()} ${what}\n`);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function liveCase(
  tmpDir: string,
  subscribers: number,
  rate: number,
  seconds: number,
  encoding: 'json' | 'binary',
): Promise<{ row: BenchRow; p99: number }> {
  const store = await Store.open({ dir: join(tmpDir, `live-${subscribers}-${rate}-${encoding}`), flushIntervalMs: 50 });
  trace('store open');
  const server = await createServer({ store, advertise: false });
  trace('serving');
  const run = await store.createRun({ project: 'bench', name: 'live' });
  await store.openRun(run.id);
  const seriesId = store.defineSeries(run.id, { name: 'train/loss' }).id;
  await store.flush();
  trace('series defined');
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: {
      ...process.env,
      TRAINSCOPE_BENCH_ROLE: 'ws-clients',
      BENCH_URL: server.url,
      BENCH_SUBSCRIBERS: String(subscribers),
      BENCH_SERIES: String(seriesId),
      BENCH_ENCODING: encoding,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('error', () => {}); // a send after the child died; waitFor reports its exit
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  try {
    trace('forked');
    await waitFor(child, 'ready', 180_000);
    trace('subscribers ready');
    let sent = 0;
    const ingestFor = async (ms: number) => {
      const start = performance.now();
      const startSent = sent;
      while (performance.now() - start < ms) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate) + startSent - sent;
        if (due > 0) {
          const now = Date.now();
          const x = new Float64Array(due);
          for (let i = 0; i < due; i++) x[i] = sent + i;
          store.ingestor.ingest({
            length: due,
            series: new Uint32Array(due).fill(seriesId),
            x,
            time: new Float64Array(due).fill(now),
            value: new Float64Array(due).fill(1),
          });
          sent += due;
        }
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        await sleep(5);
      }
    };
    await ingestFor(1000); // warm-up: connections settle, first flushes
    // Count only points ingested in the measured window, by position: points in flight when it
    // opened are not counted (the draft counted them, hence "delivered 103 %").
    const measuredFrom = sent;
    child.send({ type: 'measure', from: measuredFrom });
    await ingestFor(seconds * 1000);
    const measured = sent - measuredFrom;
    child.send({ type: 'end', end: sent });
    await store.flush();
    await sleep(1000); // drain what is in flight
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const reportPromise = waitFor<ClientReport>(child, 'report', 60_000);
    child.send({ type: 'stop' });
    const report = await reportPromise;
    const p50 = percentile(report.samples, 50);
    const p99 = percentile(report.samples, 99);
    const live = server.stats().live;
    return {
      p99,
      row: {
        case: `live ${encoding}: ${subscribers} subscribers x ${rate.toLocaleString('en-US')} points/s, ${seconds} s`,
        'delivery p50 ms': p50,
        'delivery p99 ms': p99,
        'p99 / 100 ms target': p99 / 100,
        'delivered (min subscriber) %': (100 * report.minPoints) / Math.max(1, measured),
        'delivered (max subscriber) %': (100 * report.maxPoints) / Math.max(1, measured),
        'doubled points': report.doubled,
        'server peak RSS MB': peakRss / 2 ** 20,
        'RSS growth MB': (peakRss - rssBefore) / 2 ** 20,
        'peak socket buffer KB': live.peakBufferedBytes / 1024,
        'sends per encoding': live.messagesSent / Math.max(1, live.messagesEncoded),
      },
    };
  } finally {
    child.kill();
    // Let catch-up reads in flight finish before the store closes: core's Store.close() closes its
    // DuckDB readers without waiting for running queries (a native crash, reported to the lead).
    const deadline = Date.now() + 30_000;
    while (server.stats().live.connections > 0 && Date.now() < deadline) await sleep(100);
    await sleep(5000);
    trace('closing');
    await server.close();
    trace('closed');
  }
}

async function chartCase(tmpDir: string, points: number, repeats: number): Promise<BenchRow[]> {
  const store = await Store.open({ dir: join(tmpDir, 'chart') });
  const run = await store.createRun({ project: 'bench', name: 'chart' });
  await store.openRun(run.id);
  const seriesId = store.defineSeries(run.id, { name: 'train/loss' }).id;
  const B = 1_000_000;
  const series = new Uint32Array(B).fill(seriesId);
  const x = new Float64Array(B);
  const time = new Float64Array(B);
  const value = new Float64Array(B);
  trace(`chart: ingesting ${points} points`);
  for (let off = 0; off < points; off += B) {
    const n = Math.min(B, points - off);
    for (let j = 0; j < n; j++) {
      const i = off + j;
      x[j] = i;
      time[j] = 1.7e12 + i * 10;
      value[j] = 2 * Math.exp(-i / 3e6) + 0.05 * Math.sin(i * 0.37);
    }
    await store.ingestor.ingestAsync({
      length: n,
      series: series.subarray(0, n),
      x: x.subarray(0, n),
      time: time.subarray(0, n),
      value: value.subarray(0, n),
    });
  }
  await store.flush();
  trace('chart: ingested');
  const server = await createServer({ store, advertise: false });
  const rows: BenchRow[] = [];
  try {
    const ranges: [string, number, number][] = [
      ['whole history', 0, points - 1],
      ['10% window', points * 0.45, points * 0.55],
      ['0.01% window (raw points)', points * 0.5, points * 0.5 + points * 1e-4],
    ];
    const width = 2000;
    for (const [label, start, end] of ranges) {
      trace(`chart: ${label}`);
      const inProcess: number[] = [];
      const arrow: number[] = [];
      const json: number[] = [];
      const query = `width=${width}&start=${start}&end=${end}`;
      const url = `${server.url}/api/v1/series/${seriesId}/chart?${query}`;
      // interleave the three so that machine noise falls on all of them alike
      for (let r = -2; r < repeats; r++) {
        let t = performance.now();
        await store.chart({ seriesId, width, start, end });
        if (r >= 0) inProcess.push(performance.now() - t);
        t = performance.now();
        await (await fetch(url)).arrayBuffer();
        if (r >= 0) arrow.push(performance.now() - t);
        t = performance.now();
        await (await fetch(`${url}&format=json`)).json();
        if (r >= 0) json.push(performance.now() - t);
      }
      const base = median(inProcess);
      rows.push({
        case: `chart ${width} px, ${label}, ${(points / 1e6).toLocaleString('en-US')}M points`,
        'in-process median ms': base,
        'HTTP Arrow median ms': median(arrow),
        'HTTP JSON median ms': median(json),
        'Arrow / in-process': median(arrow) / base,
        'JSON / in-process': median(json) / base,
        'HTTP Arrow p99 ms': percentile(arrow, 99),
      });
    }
  } finally {
    await server.close();
  }
  return rows;
}

export default {
  name: 'server',
  async run({ full, tmpDir }) {
    const notes: string[] = [];
    const rows: BenchRow[] = [];
    // Chart reads first: after the heavy live cases, opening another store in this process has
    // been seen to stall (the previous store's DuckDB file still open; reported to the lead).
    const chartRows = await chartCase(tmpDir, full ? 10_000_000 : 2_000_000, full ? 30 : 15);
    const seconds = full ? 10 : 3;
    const cases: [number, number, 'json' | 'binary'][] = full
      ? [
          [100, 10_000, 'json'],
          [1000, 10_000, 'json'],
          [1000, 10_000, 'binary'],
          [1000, 30_000, 'binary'],
          [1000, 100_000, 'json'],
          [1000, 100_000, 'binary'],
        ]
      : [
          [100, 10_000, 'json'],
          [1000, 10_000, 'binary'],
          [1000, 100_000, 'binary'],
        ];
    for (const [subscribers, rate, encoding] of cases) {
      trace(`case ${subscribers} x ${rate} ${encoding}`);
      const { row, p99 } = await liveCase(tmpDir, subscribers, rate, seconds, encoding);
      rows.push(row);
      if (subscribers === 1000 && rate === 100_000) {
        notes.push(
          `1000 x 100k points/s (${encoding}): p99 ${p99.toFixed(0)} ms against a 100 ms target (${p99 < 100 ? 'met' : 'missed'}).`,
        );
      }
    }
    rows.push(...chartRows);
    notes.push(
      'Live: the store flushes every 50 ms (flushIntervalMs: 50); points reach subscribers only after commit, so latency includes up to one flush interval.',
      'Live: subscribers and server share this 2-core machine; all subscribers run in one child process (JSON.parse per message, or a typed-array view for binary). At 1000 x 100k points/s that is 100M points/s to decode: the child, not the server, is the first limit here.',
      'Live: "delivered" counts, per subscriber, the points ingested inside the measured window that arrived by the end of a 1 s drain (by position, so nothing before the window is counted); "doubled points" must be 0.',
      'Live: "sends per encoding" = messages sent / messages encoded: how many sockets shared each encoded Buffer.',
      "Chart: a 10M-point series (2M in quick mode), as the issue asks for 100M: core's chart benchmark builds 100M in-process; the HTTP overhead measured here does not grow with the history (the read is pixel-bound).",
    );
    return { rows, notes };
  },
} satisfies Benchmark;
