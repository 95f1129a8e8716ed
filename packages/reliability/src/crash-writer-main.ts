/**
 * The process the crash harness kills: `crash-writer-main.ts <store dir> <series> <batch>` opens
 * the store, continues series `crash/s<i>` of run `crash` from the points they hold, and ingests
 * through the public API (`Ingestor.ingestAsync`) as fast as it can: point n of every series has
 * x = n and value = n. After each accepted batch it writes `ack <next n>` on stdout, and whenever
 * the ingestor has committed more, `durable <next n>` (points below it are in a committed
 * transaction); first it writes `ready <first n>`. It never stops by itself: the harness kills it.
 */
import { Store } from '@trainscope/core';

const [dir = '.trainscope', seriesText = '4', batchText = '65536'] = process.argv.slice(2);
const seriesCount = Number(seriesText);
const perSeries = Math.max(1, Math.floor(Number(batchText) / seriesCount));

const store = await Store.open({ dir });
const runId = 'crash';
try {
  await store.openRun(runId);
} catch {
  await store.createRun({ id: runId, project: 'crash', name: 'crash' });
  await store.openRun(runId);
}
const ids = Array.from({ length: seriesCount }, (_, i) => store.defineSeries(runId, { name: `crash/s${i}` }).id);
let next = Math.min(...ids.map((id) => store.ingestor.nextIndex(id)));
// Series are written in lockstep; one left behind by a crash mid-definition starts where the others are.
for (const id of ids) {
  if (store.ingestor.nextIndex(id) !== next) {
    process.stderr.write(`series ${id} holds ${store.ingestor.nextIndex(id)} points, others ${next}\n`);
    process.exit(3);
  }
}
process.stdout.write(`ready ${next}\n`);
const first = next;
let durable = next;
const reportDurable = () => {
  const now = first + store.ingestor.committed / seriesCount;
  if (now > durable) {
    durable = now;
    process.stdout.write(`durable ${durable}\n`);
  }
};
setInterval(reportDurable, 20);

const length = perSeries * seriesCount;
const series = new Uint32Array(length);
const x = new Float64Array(length);
const time = new Float64Array(length);
const value = new Float64Array(length);
for (;;) {
  const now = Date.now();
  for (let s = 0; s < seriesCount; s++) {
    const base = s * perSeries;
    for (let i = 0; i < perSeries; i++) {
      series[base + i] = ids[s] as number;
      x[base + i] = next + i;
      time[base + i] = now;
      value[base + i] = next + i;
    }
  }
  await store.ingestor.ingestAsync({ length, series, x, time, value });
  next += perSeries;
  process.stdout.write(`ack ${next}\n`);
  reportDurable();
  await new Promise((resolve) => setImmediate(resolve));
}
