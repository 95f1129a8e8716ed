import { describe, expect, it } from 'vitest';
import { isDecimal } from '../src/parse-number.js';

describe('isDecimal', () => {
  it('takes plain decimals only', () => {
    for (const ok of ['0', '1', '-1', '+1', '1.5', '.5', '1.', '-0.25', '1e3', '1E-3', '2.5e+10', '007']) {
      expect([ok, isDecimal(ok)]).toEqual([ok, true]);
    }
    for (const bad of [
      '',
      '+',
      '-',
      '.',
      'e3',
      '1e',
      '1e+',
      '0x10',
      '0b1',
      ' 1',
      '1 ',
      '1_000',
      '1.2.3',
      'Infinity',
      'NaN',
      '1,5',
      '--1',
    ]) {
      expect([bad, isDecimal(bad)]).toEqual([bad, false]);
    }
  });
});
