import { RejectReason } from './reasons.js';
import { StatsdType } from './sample.js';

const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** A number, or why the text is refused as one for this type. */
export function readValue(text: string, type: StatsdType): number | RejectReason {
  let value: number;
  // A decimal may still overflow to an infinity (1e400).
  if (isDecimal(text)) value = Number(text);
  else if (NON_FINITE.test(text)) value = parseNonFinite(text);
  else return RejectReason.badValue;
  // NaN and infinities are kept for gauges (stored as sent); an aggregate cannot hold them.
  return type === StatsdType.gauge || Number.isFinite(value) ? value : RejectReason.nonFinite;
}

/**
 * Whether `text` is a plain decimal number: `[+-]digits[.digits][e[+-]digits]`, at least one
 * digit before the exponent. (`Number()` alone would also take '', ' 1', '0x10' and 'Infinity'.)
 * A loop over char codes: this runs for every value received.
 */
export function isDecimal(text: string): boolean {
  const n = text.length;
  let i = skipSign(text, 0);
  const whole = skipDigits(text, i);
  let digits = whole - i;
  i = whole;
  if (i < n && text.charCodeAt(i) === 46 /* . */) {
    const fraction = skipDigits(text, i + 1);
    digits += fraction - i - 1;
    i = fraction;
  }
  if (digits === 0) return false;
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    const from = skipSign(text, i + 1);
    i = skipDigits(text, from);
    if (i === from) return false;
  }
  return i === n;
}

function skipSign(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c === 43 || c === 45 ? i + 1 : i;
}

function skipDigits(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/** A signed gauge value adjusts the current value instead of replacing it. */
export function isDelta(text: string, type: StatsdType): boolean {
  if (type !== StatsdType.gauge) return false;
  const first = text.charCodeAt(0);
  return first === 43 /* + */ || first === 45 /* - */;
}

function parseNonFinite(text: string): number {
  const lower = text.toLowerCase();
  if (lower.endsWith('nan')) return Number.NaN;
  return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}
