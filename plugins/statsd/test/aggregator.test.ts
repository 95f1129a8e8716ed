import type { SeriesDef } from '@trainscope/core';
import { describe, expect, it } from 'vitest';
import { StatsdAggregator } from '../src/aggregator.js';
import { parseStatsdPacket } from '../src/parse-packet.js';

interface Point {
  name: string;
  labels?: Record<string, string>;
  value: number;
  time: number;
}

function feed(aggregator: StatsdAggregator, packet: string, now: number): (string | undefined)[] {
  return parseStatsdPacket(packet).samples.map((s) => aggregator.add(s, now));
}

function flush(aggregator: StatsdAggregator, now: number): Point[] {
  const points: Point[] = [];
  aggregator.flush(now, (def: SeriesDef, value, time) => {
    points.push(def.labels ? { name: def.name, labels: def.labels, value, time } : { name: def.name, value, time });
  });
  return points;
}

const byName = (points: Point[]) => Object.fromEntries(points.map((p) => [p.name, p.value]));

describe('StatsdAggregator', () => {
  it('stores counters cumulatively and as a per-second rate, scaling by the sample rate', () => {
    const agg = new StatsdAggregator(0);
    feed(agg, 'steps:1|c\nsteps:1|c\nsteps:1|c|@0.5', 100);
    expect(flush(agg, 1000)).toEqual([
      { name: 'steps', value: 4, time: 1000 },
      { name: 'steps/rate', value: 4, time: 1000 },
    ]);
    feed(agg, 'steps:-1|c\nsteps:5|c', 1500);
    expect(flush(agg, 3000)).toEqual([
      { name: 'steps', value: 8, time: 3000 },
      { name: 'steps/rate', value: 2, time: 3000 },
    ]);
    // A quiet interval writes one zero rate, then nothing.
    expect(flush(agg, 4000)).toEqual([{ name: 'steps/rate', value: 0, time: 4000 }]);
    expect(flush(agg, 5000)).toEqual([]);
  });

  it('stores every gauge value at its arrival time, applying +/- deltas in order', () => {
    const agg = new StatsdAggregator(0);
    feed(agg, 'loss:+3|g', 10); // a delta on an unseen gauge starts from 0
    feed(agg, 'loss:0.5|g\nloss:+0.25|g', 20);
    feed(agg, 'loss:-1|g', 30);
    feed(agg, 'loss:NaN|g', 40);
    expect(flush(agg, 1000)).toEqual([
      { name: 'loss', value: 3, time: 10 },
      { name: 'loss', value: 0.5, time: 20 },
      { name: 'loss', value: 0.75, time: 20 },
      { name: 'loss', value: -0.25, time: 30 },
      { name: 'loss', value: Number.NaN, time: 40 },
    ]);
    expect(flush(agg, 2000)).toEqual([]);
  });

  it('summarises timers and histograms per interval with nearest-rank percentiles', () => {
    const agg = new StatsdAggregator(0);
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, out of order
    feed(agg, values.map((v) => `step_time:${v}|ms`).join('\n'), 5);
    feed(agg, 'step_time:7|ms|@0.25', 6);
    feed(agg, 'tokens:1:2:3:4|h\ntokens:10|d', 7);
    const points = flush(agg, 1000);
    expect(byName(points)).toEqual({
      'step_time/count': 104,
      'step_time/min': 1,
      'step_time/max': 100,
      'step_time/mean': (5050 + 7) / 101,
      'step_time/p50': 50,
      'step_time/p90': 90,
      'step_time/p99': 99,
      'tokens/count': 5,
      'tokens/min': 1,
      'tokens/max': 10,
      'tokens/mean': 4,
      'tokens/p50': 3,
      'tokens/p90': 10,
      'tokens/p99': 10,
    });
    expect(flush(agg, 2000)).toEqual([]);
  });

  it('counts distinct set members per interval', () => {
    const agg = new StatsdAggregator(0);
    feed(agg, 'users:a|s\nusers:b|s\nusers:a|s', 1);
    expect(flush(agg, 1000)).toEqual([{ name: 'users/cardinality', value: 2, time: 1000 }]);
    feed(agg, 'users:a|s', 1001);
    expect(flush(agg, 2000)).toEqual([{ name: 'users/cardinality', value: 1, time: 2000 }]);
  });

  it('makes each tag set its own series, whatever order the tags came in', () => {
    const agg = new StatsdAggregator(0);
    feed(agg, 'loss:1|g|#gpu:0,node:a\nloss:2|g|#node:a,gpu:0\nloss:3|g|#gpu:1,node:a\nloss:4|g', 1);
    expect(flush(agg, 1000)).toEqual([
      { name: 'loss', labels: { gpu: '0', node: 'a' }, value: 1, time: 1 },
      { name: 'loss', labels: { gpu: '0', node: 'a' }, value: 2, time: 1 },
      { name: 'loss', labels: { gpu: '1', node: 'a' }, value: 3, time: 1 },
      { name: 'loss', value: 4, time: 1 },
    ]);
    expect(agg.metricCount).toBe(3);
  });

  it('keeps tags sent in ever new orders within one metric, however many orders arrive', () => {
    const agg = new StatsdAggregator(0, { maxMetrics: 1 });
    const tags = ['a:1', 'b:2', 'c:3', 'd:4'];
    const orders = [...Array(24).keys()].map((i) => [...tags].sort(() => ((i * 7919) % 3) - 1).join(','));
    for (const order of [...orders, ...orders]) expect(feed(agg, `n:1|c|#${order}`, 1)).toEqual([undefined]);
    expect(flush(agg, 1000)[0]).toEqual({
      name: 'n',
      labels: { a: '1', b: '2', c: '3', d: '4' },
      value: 48,
      time: 1000,
    });
  });

  it('describes series with kind, type, unit and labels', () => {
    const agg = new StatsdAggregator(0);
    feed(agg, 'c1:1|c|#k:v\nt1:1|ms\nh1:1|h\ns1:x|s', 1);
    const defs: SeriesDef[] = [];
    agg.flush(1000, (def) => defs.push(def));
    const byDefName = Object.fromEntries(defs.map((d) => [d.name, d]));
    expect(byDefName['c1']).toEqual({ name: 'c1', kind: 'custom', type: 'counter', labels: { k: 'v' } });
    expect(byDefName['c1/rate']).toEqual({
      name: 'c1/rate',
      kind: 'custom',
      type: 'rate',
      unit: '1/s',
      labels: { k: 'v' },
    });
    expect(byDefName['t1/count']).toEqual({ name: 't1/count', kind: 'custom', type: 'timer' });
    expect(byDefName['t1/p99']).toEqual({ name: 't1/p99', kind: 'custom', type: 'timer', unit: 'ms' });
    expect(byDefName['h1/p99']).toEqual({ name: 'h1/p99', kind: 'custom', type: 'histogram' });
    expect(byDefName['s1/cardinality']).toEqual({ name: 's1/cardinality', kind: 'custom', type: 'set' });
  });

  it('refuses undeclared names, names the store cannot take, and metrics past the limit', () => {
    const agg = new StatsdAggregator(0, { declared: new Set(['ok', 'a', 'b']), maxMetrics: 2 });
    expect(feed(agg, 'ok:1|c\nnope:1|c\na:1|g\nb:1|g\nok:2|c|#t:1', 1)).toEqual([
      undefined,
      'undeclared',
      undefined,
      'too_many_metrics',
      'too_many_metrics',
    ]);
    const open = new StatsdAggregator(0);
    expect(feed(open, 'a//b:1|c\n/a:1|c\nfine.name:1|c', 1)).toEqual(['bad_name', 'bad_name', undefined]);
  });
});
