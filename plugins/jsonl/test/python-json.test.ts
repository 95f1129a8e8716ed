import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPythonIsoTime, PyFloat, parseIsoTime, pythonFloat, pythonJson } from '../src/index.js';

describe('pythonFloat (repr of a Python float)', () => {
  it.each([
    [1, '1.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [-0, '-0.0'],
    [123456789, '123456789.0'],
    [2.5e-310, '2.5e-310'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1.5e300, '1.5e+300'],
    [-1234.5678, '-1234.5678'],
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('%s is %s', (value, text) => {
    expect(pythonFloat(value)).toBe(text);
  });

  it('reads back as the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        expect(Object.is(Number(pythonFloat(v)), v)).toBe(true);
      }),
    );
  });
});

describe('pythonJson', () => {
  it('writes json.dumps separators, ensure_ascii escapes and float forms', () => {
    expect(pythonJson({ index: 0, data: { 'temp\u00e9rature': new PyFloat(21), step: 3, s: 'a"\u007f' } })).toBe(
      '{"index": 0, "data": {"temp\\u00e9rature": 21.0, "step": 3, "s": "a\\"\\u007f"}}',
    );
  });

  it('writes indent=2 like json.dump(..., indent=2)', () => {
    expect(pythonJson({ a: [], b: {}, c: [1, null], d: { e: true } }, 2)).toBe(
      '{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    null\n  ],\n  "d": {\n    "e": true\n  }\n}',
    );
  });
});

describe('ISO times', () => {
  it('keeps microseconds both ways, as isoformat() writes them', () => {
    for (const text of ['2024-01-15T10:30:00.003014Z', '2024-01-15T10:30:07Z', '1999-12-31T23:59:59.999999Z']) {
      expect(formatPythonIsoTime(parseIsoTime(text))).toBe(text);
    }
    expect(parseIsoTime('2024-01-15T10:30:00.5+01:00')).toBe(Date.UTC(2024, 0, 15, 9, 30, 0, 500));
    expect(parseIsoTime('2024-01-15T10:30:00')).toBe(Date.UTC(2024, 0, 15, 10, 30));
    expect(parseIsoTime('yesterday')).toBeNaN();
  });

  it('reads back any microsecond time it writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000_000 }), (micros) => {
        const ms = micros / 1000;
        const text = formatPythonIsoTime(ms);
        expect(formatPythonIsoTime(parseIsoTime(text))).toBe(text);
        expect(Math.abs(parseIsoTime(text) - ms)).toBeLessThan(0.0005);
      }),
    );
  });
});
