import type { ApiChart } from '@trainscope/client';
import { describe, expect, inject, it } from 'vitest';
import { ServerError, ServerSource } from '../src/index.js';
import { chartFromWire } from '../src/wire.js';
import { apiCall, until } from './helpers.js';

const server = inject('server');
const seeded = inject('seeded');

function requests(part: string): string[] {
  return performance
    .getEntriesByType('resource')
    .map((e) => e.name)
    .filter((n) => n.includes(part));
}

describe('ServerSource', () => {
  it("sends the summaries a dashboard's charts ask for in the same task as one request", async () => {
    const source = new ServerSource({ url: server });
    performance.clearResourceTimings();
    const loss = seeded.a['train/loss'] as number;
    const acc = seeded.a['train/accuracy'] as number;
    const cpu = seeded.a['cpu/usage_percent'] as number;
    const [a, b, c] = await Promise.all([
      source.summaries(seeded.runA, [loss]),
      source.summaries(seeded.runA, [acc, cpu]),
      source.summaries(seeded.runB, [seeded.b['train/loss'] as number]),
    ]);
    expect(a.map((s) => [s.series_id, s.count])).toEqual([[loss, seeded.steps]]);
    expect(b.map((s) => s.series_id)).toEqual([acc, cpu]);
    expect(c[0]!.count).toBe(5000);
    await new Promise((r) => setTimeout(r, 50));
    // One request per run, not one per call.
    expect(requests('/summaries')).toHaveLength(2);
  });

  it('shares one request between callers asking for the same run at once', async () => {
    const source = new ServerSource({ url: server });
    performance.clearResourceTimings();
    const runs = await Promise.all(Array.from({ length: 5 }, () => source.getRun(seeded.runA)));
    expect(runs.every((r) => r.name === 'resnet-a')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests(`/runs/${seeded.runA}`).filter((n) => !n.includes('/summaries'))).toHaveLength(1);
    // Later calls read again (run status changes).
    await source.getRun(seeded.runA);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests(`/runs/${seeded.runA}`).filter((n) => !n.includes('/summaries'))).toHaveLength(2);
  });

  it('sends the chart reads of one chart (same width and range, same task) as one request', async () => {
    const source = new ServerSource({ url: server });
    performance.clearResourceTimings();
    const loss = seeded.a['train/loss'] as number;
    const acc = seeded.a['train/accuracy'] as number;
    const cpu = seeded.a['cpu/usage_percent'] as number;
    const together = await Promise.all([
      source.chart(loss, { width: 300 }),
      source.chart(acc, { width: 300 }),
      source.chart(cpu, { width: 300 }),
      source.chart(loss, { width: 300, start: 10, end: 500 }),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    // One request for the three series over the same range, one for the read of another range;
    // none to the one-series route.
    const sent = requests('/api/v1/chart?');
    expect(sent).toHaveLength(2);
    expect(sent.some((u) => u.includes(`series=${loss},${acc},${cpu}&`))).toBe(true);
    expect(requests('/chart?').filter((u) => u.includes('/series/'))).toHaveLength(0);
    // Each series answers as the one-series JSON route does.
    for (const [i, [id, query]] of (
      [
        [loss, '&width=300'],
        [acc, '&width=300'],
        [cpu, '&width=300'],
        [loss, '&width=300&start=10&end=500'],
      ] as const
    ).entries()) {
      const wire = (await (await fetch(`${server}/api/v1/series/${id}/chart?format=json${query}`)).json()) as ApiChart;
      const one = chartFromWire(wire);
      const got = together[i]!;
      expect(got.buckets.length).toBeGreaterThan(0);
      expect(got.pixelExp).toBe(one.pixelExp);
      expect([got.axis, got.start, got.end, got.last]).toEqual([one.axis, one.start, one.end, one.last]);
      for (const key of [
        'bucket',
        'count',
        'nanCount',
        'firstX',
        'firstV',
        'lastX',
        'lastV',
        'minV',
        'maxV',
      ] as const) {
        expect(Array.from(got.buckets[key]), key).toEqual(Array.from(one.buckets[key]));
      }
    }
  });

  it('sends charts() at once, before the task ends, as one request answering like chart()', async () => {
    const source = new ServerSource({ url: server });
    performance.clearResourceTimings();
    const loss = seeded.a['train/loss'] as number;
    const acc = seeded.a['train/accuracy'] as number;
    const query = { width: 300, start: 100, end: 900 };
    // The real fetch, watched: which URLs were asked for by the time charts() returns.
    const realFetch = globalThis.fetch;
    const asked: string[] = [];
    globalThis.fetch = (input, init) => {
      asked.push(String(input));
      return realFetch(input, init);
    };
    let pending: ReturnType<ServerSource['charts']>;
    let sentNow: string[];
    try {
      pending = source.charts([loss, acc], query);
      sentNow = [...asked];
    } finally {
      globalThis.fetch = realFetch;
    }
    const [both, one] = await Promise.all([pending, source.chart(acc, query)]);
    expect(sentNow).toHaveLength(1);
    expect(sentNow[0]).toContain(`/api/v1/chart?series=${loss},${acc}&`);
    await new Promise((r) => setTimeout(r, 50));
    expect(requests(`/api/v1/chart?series=${loss},${acc}&`)).toHaveLength(1);
    expect(both.map((r) => r.buckets.length)).toEqual([both[0]!.buckets.length, one.buckets.length]);
    expect(Array.from(both[1]!.buckets.minV)).toEqual(Array.from(one.buckets.minV));
    expect(both[0]!.pixelExp).toBe(one.pixelExp);
  });

  it('fails only the read of an unknown series when it shares a request with good ones', async () => {
    const source = new ServerSource({ url: server });
    const loss = seeded.a['train/loss'] as number;
    const [good, bad] = await Promise.allSettled([
      source.chart(loss, { width: 200 }),
      source.chart(999_999, { width: 200 }),
    ]);
    expect(good.status).toBe('fulfilled');
    expect(bad.status).toBe('rejected');
    const error = (bad as PromiseRejectedResult).reason as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect([error.status, error.code]).toEqual([404, 'unknown_series']);
    // Alone too: the read falls back to the one-series route, whose error it reports.
    const alone = await source.chart(999_998, { width: 200 }).catch((e: unknown) => e as ServerError);
    expect(alone).toBeInstanceOf(ServerError);
    expect([(alone as ServerError).status, (alone as ServerError).code]).toEqual([404, 'unknown_series']);
    expect((alone as ServerError).url).toContain('/series/999998/chart');
  });

  it('hands a listener that joins a shared live series later the points it lacks, once each', async () => {
    const call = (method: string, path: string, body: unknown) => apiCall(server, method, path, body);
    const run = (await call('POST', '/runs', { project: 'shared-socket', name: 'late-listener' })) as { id: string };
    const { series } = (await call('POST', `/runs/${run.id}/series`, { series: [{ name: 'loss' }] })) as {
      series: { id: number }[];
    };
    const id = series[0]!.id;
    const ingest = (from: number, n: number) =>
      call('POST', '/ingest/points', {
        series: Array.from({ length: n }, () => id),
        x: Array.from({ length: n }, (_, i) => from + i),
        value: Array.from({ length: n }, (_, i) => from + i),
      });
    await ingest(0, 3);
    const source = new ServerSource({ url: server });
    const got = { early: [] as number[], late: [] as number[] };
    const early = source.subscribe(
      { series: { [id]: 3 } },
      { onDelta: (p) => got.early.push(...p.flatMap((d) => [...d.value])) },
    );
    await ingest(3, 2);
    await until(() => got.early.length === 2, 'first listener');
    // A second chart of the series that read its history (3 points) before 3 and 4 arrived: the
    // socket is past its cursor, and it must still get them.
    const late = source.subscribe(
      { series: { [id]: 3 } },
      { onDelta: (p) => got.late.push(...p.flatMap((d) => [...d.value])) },
    );
    await until(() => got.late.length === 2, 'second listener');
    await ingest(5, 1);
    await until(() => got.early.length === 3 && got.late.length === 3, 'next point');
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual({ early: [3, 4, 5], late: [3, 4, 5] });
    early.close();
    late.close();
  });
});
