import { afterAll, describe, expect, test } from 'vitest';
import { Experiment, ExperimentStateError, InvalidOptionError } from '../src/index.js';
import { readBack, tempDirs } from './helpers/read-back.js';

const temp = tempDirs('life');
afterAll(temp.remove);
const dir = temp.dir;

describe('experiment lifecycle, params and log (local store)', () => {
  test('params.set merges flattened params; log lines keep level and metadata', async () => {
    const localPath = dir();
    const runId = await new Experiment({
      localPath,
      name: 'mnist',
      project: 'cv',
      params: { seed: 1 },
      tags: ['a'],
    }).run(async (e) => {
      await e.params.set({ learning_rate: 0.001, model: { depth: 4, act: 'relu' } });
      await e.params.set({ batch_size: 32 });
      expect(e.params.get()).toEqual({
        seed: 1,
        learning_rate: 0.001,
        'model.depth': 4,
        'model.act': 'relu',
        batch_size: 32,
      });
      e.log('Starting training');
      e.log('Epoch 1/10 complete', { level: 'warn', metadata: { train_loss: 0.5 } });
      return e.runId;
    });
    const stored = await readBack(localPath, runId);
    expect(stored.run).toMatchObject({ name: 'mnist', project: 'cv', tags: ['a'], status: 'completed' });
    expect(stored.run.params).toMatchObject({ seed: 1, 'model.depth': 4, batch_size: 32 });
    expect(stored.logs.map((l) => [l.stream, l.level, l.text, l.metadata])).toEqual([
      ['sdk', 'info', 'Starting training', null],
      ['sdk', 'warn', 'Epoch 1/10 complete', { train_loss: 0.5 }],
    ]);
  });

  test('run(fn) marks the run failed with the error message, rethrows, and keeps what was logged', async () => {
    const localPath = dir();
    const experiment = new Experiment({ localPath });
    await expect(
      experiment.run((e) => {
        e.metrics('loss').append({ value: 1 });
        throw new Error('CUDA out of memory');
      }),
    ).rejects.toThrow('CUDA out of memory');
    const stored = await readBack(localPath, experiment.runId);
    expect(stored.run).toMatchObject({ status: 'failed', errorMessage: 'CUDA out of memory' });
    expect(stored.series.get('loss')?.value).toEqual([1]);
  });

  test('await using closes as completed, or failed after fail(error)', async () => {
    const localPath = dir();
    let ok = '';
    {
      await using e = await new Experiment({ localPath }).open();
      ok = e.runId;
      e.metrics.log({ step: 1, loss: 0.5 });
    }
    let bad = '';
    try {
      await using e = await new Experiment({ localPath }).open();
      bad = e.runId;
      try {
        throw new Error('diverged');
      } catch (error) {
        e.fail(error);
        throw error;
      }
    } catch {
      // expected
    }
    expect((await readBack(localPath, ok)).run.status).toBe('completed');
    expect((await readBack(localPath, ok)).series.get('loss')?.value).toEqual([0.5]);
    expect((await readBack(localPath, bad)).run).toMatchObject({ status: 'failed', errorMessage: 'diverged' });
  });

  test('calls before open or after close say so; close is idempotent; a joined run keeps its status', async () => {
    const localPath = dir();
    const experiment = new Experiment({ localPath });
    expect(() => experiment.metrics.log({ a: 1 })).toThrow(ExperimentStateError);
    expect(() => experiment.log('x')).toThrow(/Open the experiment first/);
    await experiment.open();
    await expect(experiment.open()).rejects.toThrow(/already opened/);
    const report = await experiment.close({ status: 'stopped' });
    expect(report).toEqual({ runId: experiment.runId, status: 'stopped', undelivered: 0, keptAt: null, refused: {} });
    expect(await experiment.close()).toBe(report);
    expect(() => experiment.metrics('a').append({ value: 1 })).toThrow(/closed/);

    const joined = await new Experiment({ localPath, runId: report.runId }).open();
    joined.metrics.log({ extra: 1 });
    expect(await joined.close()).toMatchObject({ status: null });
    expect((await readBack(localPath, report.runId)).run.status).toBe('stopped');
  });

  test('localPath and url together are refused', async () => {
    await expect(new Experiment({ localPath: dir(), url: 'http://127.0.0.1:1' }).open()).rejects.toThrow(
      InvalidOptionError,
    );
  });
});
