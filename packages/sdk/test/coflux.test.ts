import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { Experiment, InvalidValueError, Metric, MetricGroup, MetricScale, progress } from '../src/index.js';
import { readBack, tempDirs } from './helpers/read-back.js';

const temp = tempDirs('coflux');
afterAll(temp.remove);
const dir = temp.dir;

describe('Coflux Metric, MetricGroup, MetricScale, progress (local store)', () => {
  test('group and scale settings are stored with the series; record(v, { at }) sets x', async () => {
    const localPath = dir();
    // created before any experiment exists, as Coflux code does at module level
    const group = new MetricGroup('training', { units: 'epoch', lower: 0, upper: 10 });
    const loss = new Metric('loss', { group, scale: new MetricScale('loss', { units: '' }), throttle: null });
    const accuracy = new Metric('accuracy', {
      group,
      scale: new MetricScale('pct', { units: '%', lower: 0, upper: 100 }),
      throttle: null,
    });
    const plain = new Metric('lr', { group: 'opt', throttle: null });
    const runId = await new Experiment({ localPath }).run((e) => {
      for (let epoch = 0; epoch < 5; epoch++) {
        loss.record(1 / (epoch + 1), { at: epoch });
        accuracy.record(50 + epoch, { at: epoch });
      }
      plain.record(0.1);
      return e.runId;
    });
    const stored = await readBack(localPath, runId);
    expect(stored.series.get('loss')).toMatchObject({ x: [0, 1, 2, 3, 4], value: [1, 0.5, 1 / 3, 0.25, 0.2] });
    expect(stored.series.get('accuracy')?.series).toMatchObject({
      group: 'training',
      xScale: { name: 'training', units: 'epoch', lower: 0, upper: 10 },
      scale: { name: 'pct', units: '%', lower: 0, upper: 100 },
      unit: '%',
    });
    expect(stored.series.get('lr')?.series).toMatchObject({ group: 'opt', xScale: null, scale: null });
    // without at, x is seconds since the run started
    const x = stored.series.get('lr')?.x[0] as number;
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThan(60);
  });

  test('throttling: at most one value per window, the latest wins, and the last one is always written', async () => {
    const localPath = dir();
    const experiment = await new Experiment({ localPath }).open();
    const fast = experiment.metric('fast'); // default 10 values/s
    const exact = experiment.metric('exact', { throttle: null });
    for (let i = 0; i < 1000; i++) {
      fast.record(i);
      exact.record(i);
    }
    await sleep(250);
    for (let i = 1000; i < 2000; i++) fast.record(i);
    const { runId } = experiment;
    await experiment.close();
    const stored = await readBack(localPath, runId);
    const values = stored.series.get('fast')?.value ?? [];
    expect(values.length).toBeLessThanOrEqual(6);
    expect(values.at(-1)).toBe(1999);
    expect(values).toContain(999); // the latest of the first burst's window
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(stored.series.get('exact')?.value).toHaveLength(1000);
  });

  test('a held value is written by the timer once its window has passed, and on experiment.flush()', async () => {
    const localPath = dir();
    const experiment = await new Experiment({ localPath, throttle: 1000, flushIntervalMs: 20 }).open();
    const m = experiment.metric('m');
    m.record(1);
    await sleep(100);
    const slow = experiment.metric('slow', { throttle: 0.001 });
    slow.record(1);
    slow.record(2);
    await experiment.flush();
    const { runId } = experiment;
    await experiment.close();
    const stored = await readBack(localPath, runId);
    expect(stored.series.get('m')?.value).toEqual([1]);
    expect(stored.series.get('slow')?.value).toEqual([2]);
  });

  test('validation: non-numeric values, non-finite at, bad names and throttles; metrics outside any experiment', async () => {
    const orphan = new Metric('orphan');
    expect(() => orphan.record(1)).toThrow(expect.objectContaining({ code: 'no_experiment' }));
    expect(() => new Metric('')).toThrow(expect.objectContaining({ code: 'invalid_name' }));
    expect(() => new Metric('a', { throttle: 0 })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
    const experiment = await new Experiment({ localPath: dir(), onWarning: () => {} }).open();
    const m = experiment.metric('m', { throttle: null });
    expect(() => m.record('1' as unknown as number)).toThrow(InvalidValueError);
    expect(() => m.record(1, { at: Number.NaN })).toThrow(/at must be a finite number/);
    expect(() => m.record(1, { at: Number.POSITIVE_INFINITY })).toThrow(InvalidValueError);
    m.record(Number.NaN, { at: 1 }); // NaN values are kept
    orphan.record(2); // the last opened experiment
    expect((await experiment.close()).refused).toEqual({ invalid_value: 3 });
  });

  test('progress over arrays (fraction done), generators (count) and async iterables; the final value is written', async () => {
    const localPath = dir();
    const runId = await new Experiment({ localPath }).run(async (e) => {
      const seen: number[] = [];
      for (const item of progress([1, 2, 3, 4], { throttle: null })) seen.push(item);
      function* gen() {
        yield* [1, 2, 3];
      }
      for (const item of progress(gen(), { key: 'items_processed', group: 'processing' })) seen.push(item);
      async function* agen() {
        yield 'a';
        yield 'b';
      }
      for await (const item of progress(agen(), { key: 'async', total: 2, throttle: null })) seen.push(item.length);
      expect(seen).toEqual([1, 2, 3, 4, 1, 2, 3, 1, 1]);
      return e.runId;
    });
    const stored = await readBack(localPath, runId);
    expect(stored.series.get('progress')?.value).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(stored.series.get('progress')?.series).toMatchObject({
      type: 'progress',
      scale: { name: 'progress', progress: true, lower: 0, upper: 1 },
    });
    expect(stored.series.get('items_processed')?.value.at(-1)).toBe(3);
    expect(stored.series.get('items_processed')?.series.group).toBe('processing');
    expect(stored.series.get('async')?.value).toEqual([0, 0.5, 1]);
  });
});
