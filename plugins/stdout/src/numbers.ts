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
