import fc from 'fast-check';

/** A metric name every parser and the store accept: letters, digits, `_`, segments joined by `/`. */
export const metricName: fc.Arbitrary<string> = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/), { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join('/'));

/** A finite double that survives a round trip through `String()` and `Number()`. */
export const finiteValue: fc.Arbitrary<number> = fc.double({ noNaN: true, noDefaultInfinity: true });

/** Values worth throwing at a number field. */
export const oddNumberText: fc.Arbitrary<string> = fc.constantFrom(
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '1e999',
  '-1e999',
  '0x10',
  '1_000',
  '',
  ' ',
  '--1',
  '1e',
  '.',
  '-0',
  '9007199254740993',
  '\u0000',
  '１',
);

/** Text that attacks a parser: control bytes, broken UTF-8 as text, huge or deeply nested input. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.constantFrom(
    '\u0000\u0001\u0002',
    '\x1b[2K\x1b[1A\r',
    '\r\r\r\r',
    '{'.repeat(5000),
    '['.repeat(5000),
    '"\\u0000ts-nonfinite:NaN"',
    "'; DROP TABLE points; --",
    '<script>alert(1)</script>',
    '../../../../etc/passwd',
    '\ud800',
    '\ufeff{"metric": "a", "value": 1}',
  ),
  oddNumberText,
);

/** Raw bytes, including invalid UTF-8 sequences. */
export const hostileBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom(
    Uint8Array.of(0xff, 0xfe, 0xfd),
    Uint8Array.of(0xc3),
    Uint8Array.of(0xe2, 0x82),
    Uint8Array.of(0xf0, 0x9f, 0x98),
    Uint8Array.of(0xed, 0xa0, 0x80),
  ),
);

/**
 * Mutates a valid text by deleting, duplicating or replacing a slice, or by cutting it short: the
 * "almost right" inputs that reach deeper into a parser than random text.
 */
export function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.nat(), fc.nat(), fc.constantFrom('delete', 'duplicate', 'replace', 'truncate'), hostileText)
    .map(([text, a, b, op, junk]) => {
      if (text.length === 0) return junk;
      const i = a % text.length;
      const j = i + (b % (text.length - i + 1));
      switch (op) {
        case 'delete':
          return text.slice(0, i) + text.slice(j);
        case 'duplicate':
          return text.slice(0, j) + text.slice(i, j) + text.slice(j);
        case 'replace':
          return text.slice(0, i) + junk + text.slice(j);
        default:
          return text.slice(0, i);
      }
    });
}

/** Splits bytes at random positions into chunks, as a pipe or socket may deliver them. */
export function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((p, q) => p - q);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}
