import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsedBytes, parseNumber, parseNumberBytes } from '../src/numbers.js';

const parse = (s: string) => parseNumber(s, 0, s.length);

describe('parseNumber', () => {
  it('reads the numbers Python and JSON print', () => {
    expect(parse('0.6929')).toBe(0.6929);
    expect(parse('1e-05')).toBe(1e-5);
    expect(parse('1.2345e+02')).toBe(123.45);
    expect(parse('5.0000e-05')).toBe(5e-5);
    expect(parse('42')).toBe(42);
    expect(parse('-3.5')).toBe(-3.5);
    expect(parse('.5')).toBe(0.5);
    expect(parse('1.')).toBe(1);
  });

  it('keeps the sign of -0.0', () => {
    expect(Object.is(parse('-0.0'), -0)).toBe(true);
    expect(Object.is(parse('0.0'), 0)).toBe(true);
  });

  it('reads nan and inf in every spelling Python, C and JSON use', () => {
    for (const s of ['nan', 'NaN', 'NAN', '-nan', '+nan']) expect(parse(s)).toBeNaN();
    for (const s of ['inf', 'Infinity', 'INF', '+inf']) expect(parse(s)).toBe(Infinity);
    for (const s of ['-inf', '-Infinity']) expect(parse(s)).toBe(-Infinity);
  });

  it('refuses what is not a number', () => {
    for (const s of [
      '',
      '-',
      '.',
      'e5',
      '1e',
      '1e+',
      '0x10',
      '1_000',
      '1.2.3',
      'nana',
      'infinite',
      '12s',
      ' 1',
      '--1',
    ]) {
      expect(parse(s), s).toBeUndefined();
    }
  });

  it('agrees with Number() on any decimal a double prints as', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        for (const s of [String(d), d.toExponential(4), d.toFixed(4), d.toPrecision(6)]) {
          if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(s)) expect(Object.is(parse(s), Number(s)), s).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseNumberBytes', () => {
  /** Reads `s` from bytes, ended as in a JSON line by `}`. */
  const read = (s: string): number => parseNumberBytes(Buffer.from(`${s}}`, 'latin1'), 0);

  it('reads plain decimals as parseNumber does, and stops at the first byte that cannot go on', () => {
    for (const s of ['0.6929', '1e-05', '1.2345e+02', '42', '-3.5', '.5', '1.', '-0.0', '9.9010e-05', '1E+02']) {
      expect(Object.is(read(s), parse(s)), s).toBe(true);
      expect(parsedBytes.end).toBe(s.length);
    }
    expect(parseNumberBytes(Buffer.from('0.25, "step": 3}'), 0)).toBe(0.25);
    expect(parsedBytes.end).toBe(4);
  });

  it('leaves nan, inf, long mantissas and far exponents to parseNumber (NaN)', () => {
    for (const s of ['nan', 'inf', '-Infinity', '0.6931471824645996', '1e400', '1e-23', '+1', '-', '.', '1e', '1e+']) {
      expect(read(s), s).toBeNaN();
    }
  });

  it('gives the same double as parseNumber for every number it reads', () => {
    const spellings = fc.oneof(
      fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .chain((d) => fc.constantFrom(String(d), d.toExponential(4), d.toFixed(6), d.toPrecision(6))),
      fc.constantFrom('00012', '0.000000000000001', '-0', '5.', '.5e3', '1e00022', '1e-0022', '7e+22', '7e23'),
    );
    fc.assert(
      fc.property(spellings, (s) => {
        const value = read(s);
        if (Number.isNaN(value) || parsedBytes.end !== s.length) return;
        expect(Object.is(value, parse(s)), s).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
