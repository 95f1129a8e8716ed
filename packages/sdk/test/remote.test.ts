import { existsSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKey } from '@trainscope/server';
import { afterAll, describe, expect, test } from 'vitest';
import { Experiment, InvalidValueError, Metric, MetricGroup, progress } from '../src/index.js';
import { dropProxy } from './helpers/drop-proxy.js';
import { readBack, tempDirs } from './helpers/read-back.js';
import { serve } from './helpers/serve.js';

const temp = tempDirs('remote');
afterAll(temp.remove);
const dir = temp.dir;

describe('remote mode against a real server on loopback', () => {
  test('every call of both styles lands through the API, and read returns records as appended', async () => {
    const storeDir = dir();
    const served = await serve(storeDir);
    const warnings: string[] = [];
    const experiment = new Experiment({
      url: served.url,
      name: 'remote',
      project: 'p',
      onWarning: (m) => warnings.push(m),
    });
    const runId = await experiment.run(async (e) => {
      expect(e.mode).toBe('remote');
      await e.params.set({ optimizer: { lr: 0.1 } });
      e.log('hello', { metadata: { k: 1 } });
      for (let epoch = 0; epoch < 3; epoch++) {
        e.metrics('train').log({ loss: 1 / (epoch + 1) });
        e.metrics.log({ epoch }).flush();
      }
      e.metrics('all').appendBatch([
        { value: 1, epoch: 0 },
        { value: 2, epoch: 1, extra: { deep: Number.NaN } },
      ]);
      expect(await e.metrics('all').read()).toEqual({
        startIndex: 0,
        count: 2,
        data: [
          { index: 0, data: { value: 1, epoch: 0 } },
          { index: 1, data: { value: 2, epoch: 1, extra: { deep: Number.NaN } } },
        ],
      });
      const cache = e.metrics('batch').summaryCache;
      cache.store({ loss: 1 });
      cache.store({ loss: 3 });
      cache.summarize();
      expect((await e.metrics('batch').read()).data[0]?.data).toMatchObject({ 'loss.mean': 2, 'loss.count': 2 });
      const loss = new Metric('coflux/loss', {
        group: new MetricGroup('training', { units: 'epoch' }),
        throttle: null,
      });
      for (let i = 0; i < 5; i++) loss.record(i * i, { at: i });
      for (const _ of progress([1, 2], { throttle: null })) {
        /* consume */
      }
      return e.runId;
    });
    await served.close();
    const stored = await readBack(storeDir, runId);
    expect(stored.run).toMatchObject({ name: 'remote', status: 'completed', params: { 'optimizer.lr': 0.1 } });
    expect(stored.logs.map((l) => [l.text, l.stream, l.metadata])).toEqual([['hello', 'sdk', { k: 1 }]]);
    expect(stored.series.get('train/loss')).toMatchObject({ x: [0, 1, 2], value: [1, 0.5, 1 / 3] });
    expect(stored.series.get('coflux/loss')).toMatchObject({ x: [0, 1, 2, 3, 4], value: [0, 1, 4, 9, 16] });
    expect(stored.series.get('coflux/loss')?.series).toMatchObject({ group: 'training', xScale: { units: 'epoch' } });
    expect(stored.series.get('progress')?.value).toEqual([0, 0.5, 1]);
    expect(warnings).toEqual([]);
  });

  test('through a server: a throwing run(fn) and await using after fail() end failed with the message; refusals and the default throttle hold', async () => {
    const storeDir = dir();
    const served = await serve(storeDir);
    const thrown = new Experiment({ url: served.url });
    await expect(
      thrown.run((e) => {
        e.metrics('loss').append({ value: 1 });
        throw new Error('CUDA out of memory');
      }),
    ).rejects.toThrow('CUDA out of memory');
    let disposed = '';
    const warnings: string[] = [];
    try {
      await using e = await new Experiment({ url: served.url, onWarning: (m) => warnings.push(m) }).open();
      disposed = e.runId;
      const fast = e.metric('fast'); // default 10 values/s
      for (let i = 0; i < 1000; i++) fast.record(i);
      expect(() => fast.record('1' as unknown as number)).toThrow(InvalidValueError);
      expect(() => fast.record(1, { at: Number.NaN })).toThrow(/at must be a finite number/);
      expect(() => e.metrics.log({ train: { loss: '0.5' } } as never)).toThrow(/train\/loss/);
      expect(() => e.metrics('a//b')).toThrow(expect.objectContaining({ code: 'invalid_name' }));
      expect(e.refusals()).toEqual({ invalid_value: 3, invalid_name: 1 });
      try {
        throw new Error('diverged');
      } catch (error) {
        e.fail(error);
        throw error;
      }
    } catch (error) {
      if ((error as Error).message !== 'diverged') throw error; // a failed expectation above
    }
    await served.close();
    expect((await readBack(storeDir, thrown.runId)).run).toMatchObject({
      status: 'failed',
      errorMessage: 'CUDA out of memory',
    });
    expect((await readBack(storeDir, thrown.runId)).series.get('loss')?.value).toEqual([1]);
    const stored = await readBack(storeDir, disposed);
    expect(stored.run).toMatchObject({ status: 'failed', errorMessage: 'diverged' });
    // a tight loop spans one or two 100 ms windows; the latest value is delivered at close
    const values = stored.series.get('fast')?.value ?? [];
    expect(values.length).toBeLessThanOrEqual(3);
    expect(values.at(-1)).toBe(999);
    expect(warnings).toEqual([
      `trainscope: 4 calls of run ${disposed} were refused (invalid_value: 3, invalid_name: 1).`,
    ]);
  });

  test('an API key is sent with every request; without one the server refuses to open the run', async () => {
    const storeDir = dir();
    const { key } = createKey(storeDir, 'sdk-test');
    const served = await serve(storeDir);
    await expect(new Experiment({ url: served.url, env: {} }).open()).rejects.toMatchObject({ status: 401 });
    const experiment = await new Experiment({ url: served.url, env: { TRAINSCOPE_API_KEY: key } }).open();
    experiment.metrics('m').append({ value: 1 });
    expect(await experiment.metrics('m').read()).toMatchObject({ count: 1 });
    expect(await experiment.close()).toMatchObject({ status: 'completed', undelivered: 0 });
    await served.close();
  });

  test('localPath of a store a live server owns writes through that server', async () => {
    const storeDir = dir();
    const served = await serve(storeDir);
    const experiment = await new Experiment({ localPath: storeDir }).open();
    expect(experiment.mode).toBe('remote');
    experiment.metrics('m').append({ value: 7 });
    const { runId } = experiment;
    await experiment.close();
    await served.close();
    expect((await readBack(storeDir, runId)).series.get('m')?.value).toEqual([7]);
  });

  test('TRAINSCOPE_URL and TRAINSCOPE_RUN_ID (as `trainscope run` exports them) join that run and leave its status alone', async () => {
    const storeDir = dir();
    const served = await serve(storeDir);
    const owner = await new Experiment({ url: served.url, markStatus: false }).open();
    const env = { TRAINSCOPE_URL: served.url, TRAINSCOPE_RUN_ID: owner.runId, TRAINSCOPE_DIR: storeDir };
    const child = await new Experiment({ env }).open();
    expect(child.runId).toBe(owner.runId);
    child.metrics.log({ step: 1, loss: 0.5 });
    expect(await child.close()).toMatchObject({ status: null, undelivered: 0 });
    await owner.close();
    await served.close();
    const stored = await readBack(storeDir, owner.runId);
    expect(stored.run.status).toBe('running');
    expect(stored.series.get('loss')?.value).toEqual([0.5]);
  });

  test('a server restart mid-run (same store, new server) loses nothing and doubles nothing', async () => {
    const storeDir = dir();
    let served = await serve(storeDir);
    const port = served.port;
    const warnings: string[] = [];
    const experiment = await new Experiment({
      url: served.url,
      flushIntervalMs: 20,
      bufferPoints: 500, // small, so the outage spills to a file
      spillDir: storeDir,
      onWarning: (m) => warnings.push(m),
    }).open();
    const metric = experiment.metric('rec', { throttle: null });
    let step = 0;
    const logSome = (n: number) => {
      for (let i = 0; i < n; i++, step++) {
        experiment.metrics.log({ step, loss: step * 0.5 });
        metric.record(step, { at: step });
      }
      experiment.metrics.flush();
    };
    logSome(1000);
    await experiment.flush();
    logSome(500); // may or may not be sent when the server goes
    await served.close();
    logSome(3000); // the server is away: buffered, past 500 points on disk
    experiment.log('logged while the server was away');
    await sleep(100);
    served = await serve(storeDir, port);
    logSome(1000);
    await experiment.flush();
    const { runId } = experiment;
    await experiment.close();
    await served.close();
    const stored = await readBack(storeDir, runId);
    const expected = Array.from({ length: step }, (_, i) => i);
    expect(stored.series.get('loss')?.x).toEqual(expected);
    expect(stored.series.get('loss')?.value).toEqual(expected.map((i) => i * 0.5));
    expect(stored.series.get('rec')?.value).toEqual(expected);
    expect(stored.logs.map((l) => l.text)).toEqual(['logged while the server was away']);
    expect(warnings.some((w) => /cannot deliver/.test(w))).toBe(true);
    expect(warnings.some((w) => /reachable again/.test(w))).toBe(true);
  });

  test('flush waits for what was logged before it, not for a producer that keeps logging', async () => {
    const storeDir = dir();
    const served = await serve(storeDir);
    const experiment = await new Experiment({ url: served.url, flushIntervalMs: 5 }).open();
    const m = experiment.metric('busy', { throttle: null });
    let i = 0;
    const producer = setInterval(() => {
      for (let k = 0; k < 100; k++) m.record(i++, { at: i });
    }, 1);
    while (i < 500) await sleep(5);
    for (let k = 0; k < 2; k++) await experiment.flush();
    expect(i).toBeGreaterThan(500); // still producing while the flushes returned
    clearInterval(producer);
    const produced = i;
    const { runId } = experiment;
    await experiment.close();
    await served.close();
    expect((await readBack(storeDir, runId)).series.get('busy')?.value).toEqual(
      Array.from({ length: produced }, (_, k) => k),
    );
  });

  test('a batch the server stored but whose answer was lost is resent and stored once', async () => {
    const storeDir = dir();
    const served = await serve(storeDir);
    const proxy = await dropProxy(served.port, 1000);
    const warnings: string[] = [];
    const experiment = await new Experiment({ url: proxy.url, onWarning: (m) => warnings.push(m) }).open();
    const records = Array.from({ length: 200 }, (_, i) => ({ value: i, step: i * 10 }));
    experiment.metrics('m').appendBatch(records);
    await experiment.flush();
    experiment.metrics('m').append({ value: 200, step: 2000 });
    expect(proxy.dropped()).toBe(1);
    expect((await experiment.metrics('m').read({ limit: 1000 })).data.map((r) => r.data)).toEqual([
      ...records,
      { value: 200, step: 2000 },
    ]);
    const { runId } = experiment;
    await experiment.close();
    await proxy.close();
    await served.close();
    const stored = await readBack(storeDir, runId);
    expect(stored.series.get('m')?.value).toEqual(Array.from({ length: 201 }, (_, i) => i));
    expect(warnings.some((w) => /cannot deliver/.test(w))).toBe(true);
  });

  test('a close that cannot deliver says how many points remain and where they are kept', async () => {
    const storeDir = dir();
    const served = await serve(storeDir);
    const warnings: string[] = [];
    const experiment = await new Experiment({
      url: served.url,
      closeTimeoutMs: 300,
      bufferPoints: 100,
      spillDir: storeDir,
      onWarning: (m) => warnings.push(m),
    }).open();
    await served.close();
    experiment.metrics('m').appendBatch(Array.from({ length: 250 }, (_, i) => ({ value: i })));
    experiment.log('never arrives');
    const report = await experiment.close();
    expect(warnings).toContain(`trainscope: 1 log lines of run ${report.runId} could not be delivered.`);
    expect(report.undelivered).toBe(250);
    expect(report.keptAt).toMatch(/\.spill$/);
    expect(existsSync(report.keptAt as string) && statSync(report.keptAt as string).size).toBeGreaterThan(250 * 32);
    expect(warnings.at(-1)).toContain(`250 points of run ${report.runId} could not be delivered`);
    expect(warnings.at(-1)).toContain(report.keptAt);
  });
});
