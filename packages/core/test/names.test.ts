import { describe, expect, it } from 'vitest';
import { flattenGroups, InvalidNameError, joinName, validateSeriesName, validateStatsdName } from '../src/index.js';

describe('series names', () => {
  it('joins segments with a single slash and drops empty ones', () => {
    expect(joinName('train', 'loss')).toBe('train/loss');
    expect(joinName('gpu', '0', 'utilization')).toBe('gpu/0/utilization');
    expect(joinName('', 'loss', undefined, null)).toBe('loss');
    expect(joinName('train/', '/loss')).toBe('train/loss');
  });

  it('flattens ml-dash nested groups into slash names', () => {
    expect(flattenGroups({ epoch: 3, train: { loss: 0.5, accuracy: 0.9 }, eval: { top: { k1: 1 } } })).toEqual([
      ['epoch', 3],
      ['train/loss', 0.5],
      ['train/accuracy', 0.9],
      ['eval/top/k1', 1],
    ]);
  });

  it('refuses empty, over-long, control-character and empty-segment names with the reason', () => {
    expect(() => validateSeriesName('')).toThrow(InvalidNameError);
    expect(() => validateSeriesName('a'.repeat(513))).toThrow(/513 characters/);
    expect(() => validateSeriesName('loss\u0000')).toThrow(/U\+0000/);
    expect(() => validateSeriesName('train//loss')).toThrow(/empty segment/);
    expect(validateSeriesName('train/loss')).toBe('train/loss');
  });

  it("enforces Gradient's statsd rule and names the bad character", () => {
    expect(validateStatsdName('my_metric-1')).toBe('my_metric-1');
    expect(() => validateStatsdName('my.metric')).toThrow(/contains "\."/);
    expect(() => validateStatsdName('loss/val')).toThrow(/contains "\/"/);
    expect(() => validateStatsdName('')).toThrow(InvalidNameError);
  });
});
