import fc from 'fast-check';
import { expect, test } from 'vitest';
import { decodeColumn, decodeNumber, encodeColumn, encodeNumber } from '../src/index.js';

test('non-finite values travel as strings and come back as themselves', () => {
  expect(encodeColumn([1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0])).toEqual([
    1,
    'NaN',
    'Infinity',
    '-Infinity',
    -0,
  ]);
  expect(JSON.parse(JSON.stringify(encodeColumn([Number.NaN])))).toEqual(['NaN']);
  fc.assert(
    fc.property(fc.double(), (v) => {
      const back = decodeNumber(JSON.parse(JSON.stringify(encodeNumber(v))));
      expect(Number.isNaN(v) ? Number.isNaN(back) : back === v).toBe(true);
    }),
  );
  expect([...decodeColumn([2, 'Infinity', null])]).toEqual([2, Number.POSITIVE_INFINITY, Number.NaN]);
});
