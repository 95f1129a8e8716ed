import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '@trainscope/core';
import { readRunForMldash, writeMldashExperiment } from '@trainscope/plugin-jsonl';
import { afterAll, describe, expect, test } from 'vitest';
import { Experiment, InvalidValueError } from '../src/index.js';
import { readBack, tempDirs } from './helpers/read-back.js';

const temp = tempDirs('records');
afterAll(temp.remove);
const dir = temp.dir;

describe('ml-dash records: append, appendBatch, read, summary cache (local store)', () => {
  test('read returns records exactly as appended, multi-field and nested ones included, by index range', async () => {
    const localPath = dir();
    await new Experiment({ localPath }).run(async (e) => {
      for (let i = 0; i < 100; i++)
        expect(e.metrics('loss').append({ value: 1 / (i + 1), step: i })).toEqual({ index: i });
      const first = await e.metrics('loss').read({ startIndex: 0, limit: 10 });
      expect(first.count).toBe(10);
      expect(first.data[3]).toEqual({ index: 3, data: { value: 0.25, step: 3 } });
      const tail = await e.metrics('loss').read({ startIndex: 95, limit: 10 });
      expect(tail.data.map((r) => r.index)).toEqual([95, 96, 97, 98, 99]);

      const all = e.metrics('all_metrics');
      const appended = [];
      for (let epoch = 0; epoch < 4; epoch++) {
        const data = {
          epoch,
          train_loss: 0.5 / (epoch + 1),
          val_loss: 0.6 / (epoch + 1),
          nested: { a: epoch, b: { c: -epoch } },
        };
        appended.push(data);
        all.append(data);
      }
      // fields that differ from record to record, and non-finite values
      all.append({ epoch: 4, only_here: Number.NaN });
      appended.push({ epoch: 4, only_here: Number.NaN });
      const read = await all.read();
      expect(read.data).toEqual(appended.map((data, index) => ({ index, data })));
    });
  });

  test('appendBatch returns { count }, checks every record before writing any, and continues the index', async () => {
    const localPath = dir();
    const experiment = await new Experiment({ localPath }).open();
    const m = experiment.metrics('train_loss');
    const batch = [
      { value: 0.5, step: 1, epoch: 1 },
      { value: 0.45, step: 2, epoch: 1 },
      { value: 0.4, step: 3, epoch: 1 },
      { value: 0.38, step: 4, epoch: 1 },
    ];
    expect(m.appendBatch(batch)).toEqual({ count: 4, startIndex: 0 });
    expect(() => m.appendBatch([{ value: 1 }, { value: 'x' } as unknown as { value: number }])).toThrow(
      InvalidValueError,
    );
    expect(m.appendBatch([{ value: 0.3, step: 5, epoch: 2 }])).toEqual({ count: 1, startIndex: 4 });
    const read = await m.read({ startIndex: 0, limit: 100 });
    expect(read.data.map((r) => r.data)).toEqual([...batch, { value: 0.3, step: 5, epoch: 2 }]);
    const { runId } = experiment;
    await experiment.close();
    // the mapping: value is the metric's own series, other fields metric/field, x = record index
    const stored = await readBack(localPath, runId);
    expect(stored.series.get('train_loss')).toMatchObject({ x: [0, 1, 2, 3, 4], value: [0.5, 0.45, 0.4, 0.38, 0.3] });
    expect(stored.series.get('train_loss/step')?.value).toEqual([1, 2, 3, 4, 5]);
    expect(stored.series.get('train_loss')?.series.labels).toEqual({
      'mldash.metric': 'train_loss',
      'mldash.field': 'value',
      'mldash.record': '{"keys":["value","step","epoch"],"x":null,"ints":["step","epoch"],"createdAt":true}',
    });
  });

  test('plugin-jsonl exports appended metrics to the ml-dash layout, one data.jsonl line per record as appended', async () => {
    const localPath = dir();
    const experiment = await new Experiment({ localPath, name: 'exp', project: 'proj' }).open();
    const records = [
      { value: 0.5, step: 1, epoch: 1 },
      { value: 0.25, step: 2, epoch: 1 },
      { value: 0.125, step: 3, epoch: 2, lr: 0.001 },
    ];
    experiment.metrics('train_loss').appendBatch(records);
    const { runId } = experiment;
    await experiment.close();
    const store = await Store.open({ dir: localPath });
    const root = dir();
    try {
      await writeMldashExperiment(root, await readRunForMldash(store, runId));
    } finally {
      await store.close();
    }
    const lines = readFileSync(join(root, 'proj', 'exp', 'metrics', 'train_loss', 'data.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l) as { index: number; data: unknown })).toEqual(
      records.map((data, index) => ({ index, data, createdAt: expect.any(String) })),
    );
  });

  test('a second experiment joining the run by id continues each metric after its last record', async () => {
    const localPath = dir();
    const first = await new Experiment({ localPath }).open();
    first.metrics('m').appendBatch([{ value: 1 }, { value: 2 }]);
    const { runId } = first;
    await first.close();
    const again = await new Experiment({ localPath, runId }).open();
    expect(again.metrics('m').append({ value: 3, extra: 9 })).toEqual({ index: 2 });
    const read = await again.metrics('m').read();
    expect(read.data).toEqual([
      { index: 0, data: { value: 1 } },
      { index: 1, data: { value: 2 } },
      { index: 2, data: { value: 3, extra: 9 } },
    ]);
    await again.close();
  });

  test('read refuses a negative start or a zero limit', async () => {
    const experiment = await new Experiment({ localPath: dir() }).open();
    await expect(experiment.metrics('m').read({ startIndex: -1 })).rejects.toThrow(/startIndex/);
    await expect(experiment.metrics('m').read({ limit: 0 })).rejects.toThrow(/limit/);
    await experiment.close();
  });

  test('summary cache: store per batch, set per epoch, summarize rolling (default) or cumulative; peek looks without taking', async () => {
    const localPath = dir();
    const experiment = await new Experiment({ localPath }).open();
    const cache = experiment.metrics('train').summaryCache;
    expect(cache.summarize()).toBeNull();
    for (const loss of [1, 2, 3, 4]) cache.store({ loss });
    expect(cache.peek('loss')).toEqual([1, 2, 3, 4]);
    expect(cache.peek('loss', 2)).toEqual([3, 4]);
    cache.set({ epoch: 0 });
    const rolling = cache.summarize();
    expect(rolling).toEqual({
      epoch: 0,
      'loss.mean': 2.5,
      'loss.min': 1,
      'loss.max': 4,
      'loss.std': Math.sqrt(1.25),
      'loss.count': 4,
    });
    expect(cache.peek('loss')).toEqual([]);
    cache.store({ loss: 10 });
    cache.summarize({ clear: false });
    cache.store({ loss: 20, acc: 1 });
    const cumulative = cache.summarize({ clear: false });
    expect(cumulative).toMatchObject({ 'loss.count': 2, 'loss.mean': 15, 'acc.count': 1 });
    expect(() => cache.store({ loss: 'high' as unknown as number })).toThrow(/train.loss/);
    const read = await experiment.metrics('train').read();
    expect(read.data.map((r) => r.data)).toEqual([
      rolling,
      { 'loss.mean': 10, 'loss.min': 10, 'loss.max': 10, 'loss.std': 0, 'loss.count': 1 },
      cumulative,
    ]);
    await experiment.close();
  });
});
