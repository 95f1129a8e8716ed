/** Exact powers of ten as doubles (10^0 .. 10^22 are exactly representable). */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/**
 * Parses the number written in `s[start, end)` as Python, C `printf` and JSON print it:
 * decimals with optional sign and exponent (`0.6931`, `1e-05`, `-0.0`, `1.2345e+02`), and the
 * non-finite spellings `nan`, `inf`, `infinity` in any case, with an optional sign (`NaN`,
 * `-Infinity`, `-nan`). Returns `undefined` when the text is not a number.
 *
 * Short decimals take an exact fast path (an integer below 2^53 scaled by one exact power of ten
 * is correctly rounded); everything else goes through `Number()`, so results always equal
 * `Number(text)` for decimal input.
 */
export function parseNumber(s: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let i = start;
  let c = s.charCodeAt(i);
  let negative = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45;
    if (++i === end) return undefined;
    c = s.charCodeAt(i);
  }
  if ((c < 48 || c > 57) && c !== 46 /* . */) return parseSpecial(s, i, end, negative);

  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let sawDigit = false;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    sawDigit = true;
    if (digits > 0 || c !== 48) digits++;
    mantissa = mantissa * 10 + (c - 48);
  }
  if (i < end && c === 46) {
    for (i++; i < end; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      sawDigit = true;
      if (digits > 0 || c !== 48) digits++;
      mantissa = mantissa * 10 + (c - 48);
      scale--;
    }
  }
  if (!sawDigit) return undefined;
  if (i < end) {
    if (c !== 101 && c !== 69 /* e E */) return undefined;
    i++;
    let expNegative = false;
    c = s.charCodeAt(i);
    if (c === 45 || c === 43) {
      expNegative = c === 45;
      i++;
    }
    let exponent = 0;
    let expDigits = 0;
    for (; i < end; i++) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      exponent = exponent * 10 + (c - 48);
      expDigits++;
    }
    if (expDigits === 0) return undefined;
    scale += expNegative ? -exponent : exponent;
  }
  if (digits > 15 || scale < -22 || scale > 22) return Number(s.slice(start, end));
  const magnitude = scale < 0 ? mantissa / (POW10[-scale] as number) : mantissa * (POW10[scale] as number);
  return negative ? -magnitude : magnitude;
}

/** `nan`, `inf`, `infinity` (any case), already past an optional sign. */
function parseSpecial(s: string, i: number, end: number, negative: boolean): number | undefined {
  const length = end - i;
  if (length !== 3 && length !== 8) return undefined;
  const word = s.slice(i, end).toLowerCase();
  if (word === 'nan') return Number.NaN;
  if (word === 'inf' || word === 'infinity') return negative ? -Infinity : Infinity;
  return undefined;
}

/** Where `parseNumberBytes` stopped: the index of the first byte after the number. */
export const parsedBytes = { end: 0 };

/**
 * The plain decimals of `parseNumber` (`0.6931`, `-3`, `1e-05`: at most 15 digits, an exponent
 * within 10^±22) read from ASCII bytes at `start` up to the first byte that cannot continue the
 * number, whose index is left in `parsedBytes.end`; the bytes must hold such a byte (a line's
 * closing `}`), since no end is checked. Computed as `parseNumber` computes it, so the result is
 * the same double. Returns NaN for anything else, which this grammar cannot spell: the caller
 * then reads the text with `parseNumber`.
 */
export function parseNumberBytes(b: Uint8Array, start: number): number {
  let i = start;
  let c = b[i] as number;
  const negative = c === 45; /* - */
  if (negative) c = b[++i] as number;
  let mantissa = 0;
  const intStart = i;
  while (c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    c = b[++i] as number;
  }
  let digits = i - intStart;
  let scale = 0;
  if (c === 46 /* . */) {
    const fracStart = ++i;
    c = b[i] as number;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      c = b[++i] as number;
    }
    scale = fracStart - i;
    digits -= scale;
  }
  // Up to 15 digits, leading zeros included (more go to parseNumber, which counts them exactly).
  if (digits === 0 || digits > 15) return Number.NaN;
  if (c === 101 || c === 69 /* e E */) {
    c = b[++i] as number;
    const expNegative = c === 45;
    if (c === 45 || c === 43) c = b[++i] as number;
    const expStart = i;
    let exponent = 0;
    while (c >= 48 && c <= 57) {
      exponent = exponent * 10 + (c - 48);
      c = b[++i] as number;
      if (i - expStart > 3) return Number.NaN;
    }
    if (i === expStart) return Number.NaN;
    scale += expNegative ? -exponent : exponent;
  }
  if (scale < -22 || scale > 22) return Number.NaN;
  parsedBytes.end = i;
  const magnitude = scale < 0 ? mantissa / (POW10[-scale] as number) : mantissa * (POW10[scale] as number);
  return negative ? -magnitude : magnitude;
}
