import type { ApiChart } from '@trainscope/client';
import type { ChartData } from '@trainscope/core';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chartJson } from '../src/routes/chart-json.js';
import { chartToWire } from '../src/to-wire.js';
import { api, type Started, startServer } from './helpers/start.js';

describe('chartJson', () => {
  test('writes the same text as JSON.stringify(chartToWire()), non-finite values spelled out', () => {
    const col = (...v: number[]) => Float64Array.from(v);
    const odd = [0, -0, 1e21, 5e-324, -1.5e-7, 0.1 + 0.2, Number.MAX_VALUE, 123456789.125];
    const chart = (values: number[], last: ChartData['last']): ChartData => ({
      seriesId: 7,
      axis: 'x',
      start: -2.5,
      end: 1e300,
      pixelExp: -3,
      source: 'raw',
      last,
      buckets: {
        length: values.length,
        bucket: col(...values.map((_, i) => i - 3)),
        count: col(...values.map(() => 1)),
        nanCount: col(...values.map((v) => (Number.isNaN(v) ? 1 : 0))),
        firstX: col(...values.map((_, i) => i / 3)),
        firstV: col(...values),
        lastX: col(...values.map((_, i) => i / 3)),
        lastV: col(...values),
        minX: col(...values.map((v, i) => (Number.isNaN(v) ? Number.NaN : i / 3))),
        minV: col(...values.map((v) => (Number.isNaN(v) ? Number.NaN : v))),
        maxX: col(...values.map((v, i) => (Number.isNaN(v) ? Number.NaN : i / 3))),
        maxV: col(...values.map((v) => (Number.isNaN(v) ? Number.NaN : v))),
      },
    });
    for (const c of [
      chart(odd, { x: 3, time: 1.7e12, value: 0.5 }),
      chart([...odd, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], {
        x: 3,
        time: 1.7e12,
        value: Number.NaN,
      }),
      chart([], null),
    ]) {
      expect(chartJson(c)).toBe(JSON.stringify(chartToWire(c)));
    }
  });
});

describe('multi-series chart reads (/api/v1/chart)', () => {
  let s: Started;
  const ids: number[] = [];
  beforeAll(async () => {
    s = await startServer();
    const run = await s.store.createRun({ project: 'p', name: 'r' });
    await s.store.openRun(run.id);
    for (const name of ['a', 'b', 'c']) ids.push(s.store.defineSeries(run.id, { name }).id);
    const n = 5000;
    for (const [k, id] of ids.entries()) {
      s.store.ingestor.ingest({
        length: n,
        series: new Uint32Array(n).fill(id),
        x: Float64Array.from({ length: n }, (_, i) => i),
        time: Float64Array.from({ length: n }, (_, i) => 1.7e12 + i),
        value: Float64Array.from({ length: n }, (_, i) =>
          i === 777 && k === 1 ? Number.NaN : Math.sin(i / 40) * (k + 1),
        ),
      });
    }
    await s.store.flush();
  });
  afterAll(() => s.stop());
  const url = (path: string) => `${s.url}/api/v1${path}`;

  test('answer each series as the one-series route does, in the order asked', async () => {
    const order = [ids[2], ids[0], ids[1]] as number[];
    for (const range of ['', '&start=100&end=900', '&start=0&end=60']) {
      const multi = (await api(url(`/chart?series=${order.join(',')}&width=300${range}&format=json`))).body as {
        charts: ApiChart[];
      };
      expect(multi.charts.map((c) => c.series_id)).toEqual(order);
      for (const c of multi.charts) {
        const one = (await api(url(`/series/${c.series_id}/chart?width=300${range}&format=json`))).body;
        expect(c).toEqual(one);
      }
    }
  });

  test('come as one Arrow table with a series_id column, metadata per series in a header', async () => {
    const res = await fetch(url(`/chart?series=${ids.join(',')}&width=200&start=0&end=999`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const meta = JSON.parse(res.headers.get('trainscope-chart') ?? '[]') as { series_id: number; pixel_exp: number }[];
    expect(meta.map((m) => m.series_id)).toEqual(ids);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    const seriesCol = Array.from(table.getChild('series_id')?.toArray() ?? []);
    const json = (await api(url(`/chart?series=${ids.join(',')}&width=200&start=0&end=999&format=json`))).body as {
      charts: ApiChart[];
    };
    for (const c of json.charts) {
      const rows = seriesCol.flatMap((id, i) => (id === c.series_id ? [i] : []));
      expect(rows.length).toBe(c.buckets.count.length);
      const maxV = table.getChild('max_v')?.toArray() as Float64Array;
      const wire = rows.map((i) => maxV[i] as number).map((v) => (Number.isNaN(v) ? 'NaN' : v));
      expect(wire).toEqual(c.buckets.max_v);
    }
  });

  test('refuse bad series lists, widths and ranges with 400, unknown series with 404', async () => {
    const bad = async (q: string) => (await api(url(`/chart?${q}`))) as { status: number; body: unknown };
    for (const q of [
      'width=100',
      `series=&width=100`,
      `series=1,,2&width=100`,
      `series=a&width=100`,
      `series=${ids[0]}`,
      `series=${ids[0]}&width=0`,
      `series=${ids[0]}&width=100&axis=y`,
      `series=${ids[0]}&width=100&bogus=1`,
    ]) {
      const r = await bad(q);
      expect(r.status, q).toBe(400);
      expect(r.body, q).toMatchObject({ error: { code: 'invalid_request' } });
    }
    const reversed = await bad(`series=${ids[0]}&width=100&start=5&end=1`);
    expect(reversed.status).toBe(400);
    expect(reversed.body).toMatchObject({ error: { code: 'bad_range', field: 'querystring/start' } });
    const many = Array.from({ length: 257 }, (_, i) => i).join(',');
    const tooMany = await bad(`series=${many}&width=100`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { code: 'too_many_series', field: 'querystring/series' } });
    const unknown = await bad(`series=${ids[0]},999999&width=100`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'unknown_series' } });
  });
});
