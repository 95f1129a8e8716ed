import { afterAll, describe, expect, test } from 'vitest';
import { Experiment, InvalidValueError } from '../src/index.js';
import { readBack, tempDirs } from './helpers/read-back.js';

const temp = tempDirs('log');
afterAll(temp.remove);
const dir = temp.dir;

describe('ml-dash metrics.log (local store)', () => {
  test('nested groups become train/loss ...; one call per epoch gives one record per epoch at x = epoch', async () => {
    const localPath = dir();
    const experiment = new Experiment({ name: 'groups', project: 'p', localPath });
    const runId = await experiment.run((e) => {
      for (let epoch = 0; epoch < 3; epoch++) {
        e.metrics.log({
          epoch,
          train: { loss: 1 / (epoch + 1), accuracy: 0.5 + epoch / 10 },
          eval: { loss: 2 / (epoch + 1) },
        });
      }
      return e.runId;
    });
    const stored = await readBack(localPath, runId);
    expect([...stored.series.keys()].sort()).toEqual(['eval/loss', 'train/accuracy', 'train/loss']);
    expect(stored.series.get('train/loss')).toMatchObject({ x: [0, 1, 2], value: [1, 0.5, 1 / 3] });
    expect(stored.series.get('eval/loss')?.value).toEqual([2, 1, 2 / 3]);
    expect(stored.series.get('train/loss')?.series.group).toBe('train');
    // points of one record share their wall time
    expect(stored.series.get('train/loss')?.time).toEqual(stored.series.get('eval/loss')?.time);
    expect(stored.run).toMatchObject({ project: 'p', name: 'groups', status: 'completed' });
  });

  test('prefixes and metrics.log({ epoch }).flush() commit one record with a shared x', async () => {
    const localPath = dir();
    const experiment = await new Experiment({ localPath }).open();
    for (let epoch = 1; epoch <= 2; epoch++) {
      experiment.metrics('train').log({ loss: epoch * 0.1, accuracy: epoch * 0.2 });
      experiment.metrics('eval').log({ loss: epoch * 0.3 });
      experiment.metrics.log({ epoch: epoch * 10 }).flush();
    }
    experiment.metrics.log({ step: 5, epoch: 1, lr: 0.01, system: { gpu_memory: 4.2 } });
    experiment.metrics.flush();
    const { runId } = experiment;
    await experiment.close();
    const stored = await readBack(localPath, runId);
    expect(stored.series.get('train/loss')).toMatchObject({ x: [10, 20], value: [0.1, 0.2], xGiven: [true, true] });
    expect(stored.series.get('eval/loss')).toMatchObject({ x: [10, 20], value: [0.3, 0.6] });
    // step gives x; epoch is then a series of its own (as plugin-jsonl reads JSON lines)
    expect(stored.series.get('epoch')).toMatchObject({ x: [5], value: [1] });
    expect(stored.series.get('system/gpu_memory')).toMatchObject({ x: [5], value: [4.2] });
    expect(stored.series.has('step')).toBe(false);
  });

  test('a record without step or epoch is numbered by the store; logging a name again commits the record first', async () => {
    const localPath = dir();
    const experiment = await new Experiment({ localPath }).open();
    experiment.metrics.log({ loss: 3 });
    experiment.metrics('train').log({ acc: 1 });
    experiment.metrics.log({ loss: 2 }); // loss again: the first record is written
    experiment.metrics.log({ loss: Number.NaN, gap: Number.POSITIVE_INFINITY });
    const { runId } = experiment;
    await experiment.close(); // close writes the last record
    const stored = await readBack(localPath, runId);
    expect(stored.series.get('loss')).toMatchObject({ x: [0, 1, 2], xGiven: [false, false, false] });
    expect(stored.series.get('loss')?.value).toEqual([3, 2, Number.NaN]);
    expect(stored.series.get('gap')?.value).toEqual([Number.POSITIVE_INFINITY]);
    expect(stored.series.get('train/acc')?.time).toEqual([stored.series.get('loss')?.time[0]]);
  });

  test('refuses non-numeric values, binary data, arrays, oversized and empty keys and a non-finite step, naming the metric, counts each refusal by code; the experiment keeps working', async () => {
    const localPath = dir();
    const warnings: string[] = [];
    const experiment = await new Experiment({ localPath, onWarning: (m) => warnings.push(m) }).open();
    const bad = experiment.metrics as unknown as { log(r: unknown): unknown };
    expect(() => bad.log({ train: { loss: '0.5' } })).toThrow(InvalidValueError);
    expect(() => bad.log({ train: { loss: '0.5' } })).toThrow(/train\/loss.*string "0\.5"/);
    expect(() => bad.log({ ok: true })).toThrow(/"ok" got a boolean/);
    expect(() => bad.log({ '': 1 })).toThrow(expect.objectContaining({ code: 'invalid_name' }));
    expect(() => experiment.metrics('')).toThrow(expect.objectContaining({ code: 'invalid_name' }));
    expect(() => experiment.metrics('a//b')).toThrow(/empty segment/);
    expect(() => bad.log(Buffer.from('loss=1'))).toThrow(/binary data \(Buffer\)/);
    expect(() => bad.log({ train: new Float64Array(3) })).toThrow(/binary data \(Float64Array\)/);
    expect(() => bad.log({ train: [1, 2] })).toThrow(/an array/);
    expect(() => bad.log({ when: new Date() })).toThrow(/a Date/);
    expect(() => bad.log(42)).toThrow(/as a record/);
    expect(() => experiment.metrics('m').append(new Map() as never)).toThrow(/a Map as a record/);
    expect(() => experiment.metrics.log({ [`${'x'.repeat(600)}`]: 1 })).toThrow(/600 characters/);
    expect(() => experiment.metrics.log({ step: Number.POSITIVE_INFINITY, loss: 1 }).flush()).toThrow(
      expect.objectContaining({ code: 'invalid_value' }),
    );
    experiment.metrics.log({ step: 1, loss: 1 }).flush();
    expect(experiment.refusals()).toEqual({ invalid_value: 10, invalid_name: 4 });
    const { runId } = experiment;
    expect((await experiment.close()).refused).toEqual({ invalid_value: 10, invalid_name: 4 });
    expect(warnings).toEqual([
      `trainscope: 14 calls of run ${runId} were refused (invalid_value: 10, invalid_name: 4).`,
    ]);
    const stored = await readBack(localPath, runId);
    expect(stored.series.get('loss')).toMatchObject({ x: [1], value: [1] });
    expect(stored.series.has('train/loss')).toBe(false);
  });
});
