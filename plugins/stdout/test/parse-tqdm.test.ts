import { describe, expect, it } from 'vitest';
import { parseTqdmLine } from '../src/index.js';
import { fixture, fixtureJson, parseAll } from './helpers/recording-sink.js';

describe('parseTqdmLine', () => {
  it('reads key=value postfixes and skips the rate and v_num', () => {
    expect(
      parseTqdmLine('Epoch 1:  45%|████▌     | 450/1000 [00:12<00:15, 36.50it/s, v_num=0, train_loss=0.694, acc=0.51]'),
    ).toEqual({
      n: 450,
      total: 1000,
      names: ['train_loss', 'acc'],
      values: [0.694, 0.51],
    });
  });

  it('reads key: value postfixes (set_postfix_str) and bars without a total', () => {
    expect(parseTqdmLine('450it [00:12, 36.50it/s, loss: 1.2e-03]')).toEqual({
      n: 450,
      total: Number.NaN,
      names: ['loss'],
      values: [0.0012],
    });
  });

  it('returns undefined for bars without numeric postfixes and for other text', () => {
    expect(parseTqdmLine(' 33%|███▎      | 1/3 [00:01<00:02,  1.02s/it]')).toBeUndefined();
    expect(parseTqdmLine('100%|██████████| 3/3 [00:03<00:00, 1.00it/s, status=done]')).toBeUndefined();
    expect(parseTqdmLine('loss=0.5 at step 3')).toBeUndefined();
  });
});

describe('tqdm output', () => {
  it('records each postfix metric at x = global position, across bars, never twice', () => {
    const bytes = fixture('tqdm/lightning.txt');
    const expected = fixtureJson<[number, number][]>('tqdm/lightning.expected.json');
    for (const size of [Number.POSITIVE_INFINITY, 1, 13]) {
      const { sink } = parseAll(bytes, { batchIntervalMs: 0 }, size);
      expect(sink.names()).toEqual(['train_loss']);
      expect(sink.series('train_loss')).toEqual(expected);
      expect(sink.points.every((p) => p.format === 'tqdm' && p.axis === 'step')).toBe(true);
      expect(sink.lines).toHaveLength(2);
      expect(sink.lines[1]?.text).toMatch(/^Epoch 1: 100%.*train_loss=0.099\]$/);
      expect(sink.lines[1]?.metadata).toEqual({ redraws: 11 });
    }
  });

  it('throttles redraws but always records a finished bar', () => {
    const { sink } = parseAll(fixture('tqdm/lightning.txt'));
    expect(sink.series('train_loss')).toEqual([
      [5, 1.67],
      [50, 0.196],
      [100, 0.099],
    ]);
  });

  it('can be switched off', () => {
    const { sink } = parseAll(fixture('tqdm/lightning.txt'), { formats: { tqdm: false } });
    expect(sink.points).toEqual([]);
  });
});
