import type { ApiRun, ApiSeries } from '@trainscope/client';
import { describe, expect, it } from 'vitest';
import {
  BucketTrace,
  chartCsv,
  dashboardLayout,
  EpochMap,
  formatValue,
  isEpochIndexed,
  panRange,
  runRows,
  timeWeightedEma,
  traceVertices,
  zoomRange,
} from '../src/index.js';
import { apiRun } from './helpers.js';

function series(id: number, name: string, extra: Partial<ApiSeries> = {}): ApiSeries {
  return {
    id,
    run_id: 'r',
    name,
    kind: 'training',
    type: 'gauge',
    group: null,
    x_scale: null,
    scale: null,
    unit: null,
    labels: {},
    ...extra,
  };
}

function run(id: string, extra: Partial<ApiRun> = {}): ApiRun {
  return apiRun(id, { status: 'completed', started_at: null, ...extra });
}

describe('M4 buckets in the browser', () => {
  it('gives the same buckets whether points come at once or coarsened later (M4 of M4 is exact)', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => i);
    const vs = xs.map((i) => Math.sin(i / 7) * (i === 4321 ? 100 : 1));
    const direct = BucketTrace.fromPoints(8, xs, vs);
    const fine = BucketTrace.fromPoints(2, xs, vs);
    fine.coarsen(8);
    expect(fine.length).toBe(direct.length);
    for (const key of ['count', 'firstV', 'lastV', 'minV', 'maxV', 'maxX'] as const) {
      expect(Array.from(fine.columns[key].subarray(0, fine.length))).toEqual(
        Array.from(direct.columns[key].subarray(0, direct.length)),
      );
    }
    expect(Math.max(...direct.columns.maxV.subarray(0, direct.length))).toBe(100 * Math.sin(4321 / 7));
  });

  it('merges points arriving out of order into the right bucket', () => {
    const t = new BucketTrace(4);
    for (const x of [100, 20, 300, 21, 5]) t.addPoint(x, x);
    expect(Array.from(t.columns.bucket.subarray(0, t.length))).toEqual([0, 1, 6, 18]);
    expect(t.pointCount()).toBe(5);
  });

  it('expands buckets into first/min/max/last vertices with NaN kept as a gap and a mark', () => {
    const t = BucketTrace.fromPoints(3, [0, 1, 2, 3, 8], [5, 1, 9, 4, Number.NaN]);
    const v = traceVertices(t);
    expect(v.x).toEqual([0, 1, 2, 3, 8]);
    expect(v.y).toEqual([5, 1, 9, 4, null]);
    expect(v.marks).toEqual([{ x: 8, kind: 'nan' }]);
    expect(v.hi.slice(0, 4)).toEqual([9, 9, 9, 9]);
  });
});

describe('time-weighted EMA', () => {
  it('is the classic debiased EMA on even spacing and forgets more across a gap', () => {
    const even = timeWeightedEma([0, 1, 2], [0, 1, 1], 0.5);
    expect(even[0]).toBe(0);
    expect(even[2]).toBeCloseTo((0.5 * 0.5 * 0.5 * 0 + 0.25 * 1 + 0.5 * 1) / (1 - 0.125), 10);
    const gap = timeWeightedEma([0, 1, 2, 100], [0, 0, 0, 1], 0.9);
    const noGap = timeWeightedEma([0, 1, 2, 3], [0, 0, 0, 1], 0.9);
    expect(gap[3] as number).toBeGreaterThan(noGap[3] as number);
    expect(timeWeightedEma([0, 1, 2], [1, null, 3], 0.5)[1]).toBeNull();
  });
});

describe('dashboard layout', () => {
  it('groups system series by family and unit, GPUs apart, and training series by group or prefix', () => {
    const layout = dashboardLayout([
      series(1, 'train/loss'),
      series(2, 'train/acc'),
      series(3, 'lr'),
      series(4, 'loss', { group: 'training' }),
      series(5, 'gpu/1/utilization', { kind: 'system', unit: 'fraction' }),
      series(6, 'gpu/0/utilization', { kind: 'system', unit: 'fraction' }),
      series(7, 'gpu/0/memory_utilization', { kind: 'system', unit: 'fraction' }),
      series(8, 'cpu/usage_percent', { kind: 'system', unit: '%' }),
      series(9, 'gpu/0/process/77/memory_used_bytes', { kind: 'system', unit: 'bytes' }),
      series(10, 'gpu/0/memory_used_bytes', { kind: 'system', unit: 'bytes' }),
      series(11, 'cpu/usage_percent/max', { kind: 'system', unit: '%' }),
      series(12, 'cpu/usage_percent/min', { kind: 'system', unit: '%' }),
      series(13, 'disk/io/max', { kind: 'system', unit: 'bytes' }),
    ]);
    expect(layout.system.map((g) => [g.title, g.seriesIds])).toEqual([
      ['CPU (%)', [8, 11, 12]],
      ['disk/io (bytes)', [13]],
      ['GPU 0 (bytes)', [9, 10]],
      ['GPU 0 (fraction)', [6, 7]],
      ['GPU 1 (fraction)', [5]],
    ]);
    expect(layout.training.map((g) => [g.title, g.seriesIds])).toEqual([
      ['train', [1, 2]],
      ['metrics', [3]],
      ['training', [4]],
    ]);
  });
});

describe('run rows', () => {
  it('sorts by a summary column with runs lacking it last, and filters on every word', () => {
    const runs = [
      run('a', { summaries: { loss: { last: 0.5 } as never } }),
      run('b', { summaries: { loss: { last: 0.1 } as never }, tags: ['gpu'] }),
      run('c', { status: 'failed' }),
    ];
    expect(runRows(runs, '', { key: 'summary:loss', descending: false }).map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(runRows(runs, '', { key: 'summary:loss', descending: true }).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(runRows(runs, 'GPU b', { key: 'name', descending: false }).map((r) => r.id)).toEqual(['b']);
    expect(runRows(runs, 'failed', { key: 'name', descending: false }).map((r) => r.id)).toEqual(['c']);
  });
});

describe('CSV and formatting', () => {
  it('writes visible points with non-finite values spelled out and names quoted', () => {
    const csv = chartCsv([{ label: 'a,b', x: [0, 1, 2, 3], y: [1, Number.NaN, Number.NEGATIVE_INFINITY, 4] }], 1, 2);
    expect(csv).toBe('series,x,value\n"a,b",1,NaN\n"a,b",2,-Infinity\n');
  });

  it('formats values exactly enough to read', () => {
    expect(formatValue(0.1 + 0.2)).toBe('0.3');
    expect(formatValue(123456.789)).toBe('123456.789');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatValue(3e-7)).toBe('3e-7');
  });
});

describe('zoom and pan', () => {
  it('zooms around a point and pans by a share of the width, evenly in log space on a log axis', () => {
    expect(zoomRange([0, 100], 20, 0.5)).toEqual([10, 60]);
    expect(panRange([0, 100], 0.1)).toEqual([10, 110]);
    const [a, b] = zoomRange([1, 10_000], 100, 0.5, true);
    expect(a).toBeCloseTo(10, 9);
    expect(b).toBeCloseTo(1000, 9);
    const [c, d] = panRange([1, 100], 0.5, true);
    expect(c).toBeCloseTo(10, 9);
    expect(d).toBeCloseTo(1000, 9);
  });
});

describe('EpochMap (step to epoch for the epoch x axis)', () => {
  it('is piecewise linear between the epoch points and carries the end slopes on past them', () => {
    const map = new EpochMap();
    for (const [step, epoch] of [
      [100, 0.5],
      [200, 1],
      [300, 2],
    ] as const)
      map.add(step, epoch);
    expect(map.toEpoch(150)).toBe(0.75);
    expect(map.toEpoch(250)).toBe(1.5);
    // Before the first point along the first segment, after the last along the last.
    expect(map.toEpoch(0)).toBe(0);
    expect(map.toEpoch(400)).toBe(3);
    for (const step of [0, 150, 250, 400]) expect(map.toStep(map.toEpoch(step))).toBeCloseTo(step, 9);
  });

  it('is made monotonic, skips points not after the last step, and maps a flat stretch back to all its steps', () => {
    const map = new EpochMap();
    for (const [step, epoch] of [
      [0, 0],
      [100, 1],
      [150, 0.5],
      [200, 1],
      [200, 5],
      [300, 2],
      [Number.NaN, 3],
      [400, Number.POSITIVE_INFINITY],
    ] as const)
      map.add(step, epoch);
    // (150, 0.5) is raised to 1; (200, 5) repeats a step; NaN and Infinity are left out.
    expect(map.size).toBe(5);
    expect(map.toEpoch(125)).toBe(1);
    expect(map.toStep(1)).toBe(100);
    expect(map.toLastStep(1)).toBe(200);
    expect(map.transform().fromDisplayRange!(0.5, 1)).toEqual([50, 200]);
  });

  it('with one point, is proportional through the origin; from M4 buckets, takes first and last points', () => {
    const one = new EpochMap();
    one.add(500, 2);
    expect(one.toEpoch(250)).toBe(1);
    const b = new BucketTrace(6);
    for (let step = 0; step < 1000; step += 10) b.addPoint(step, step / 250);
    const map = EpochMap.fromBuckets(b.columns);
    expect(map.toEpoch(505)).toBeCloseTo(2.02, 9);
    expect(map.toStep(3)).toBeCloseTo(750, 9);
  });

  it('knows series whose x is the epoch itself', () => {
    expect(isEpochIndexed({ name: 'epoch' })).toBe(true);
    expect(isEpochIndexed({ units: 'epochs' })).toBe(true);
    expect(isEpochIndexed({ name: 'step' })).toBe(false);
    expect(isEpochIndexed(null)).toBe(false);
  });
});
