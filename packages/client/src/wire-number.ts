import type { WireNumber } from './types.js';

/** Encodes a float64 for JSON: finite numbers as they are, NaN and +/-Infinity as strings. */
export function encodeNumber(value: number): WireNumber {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** Decodes a wire number; anything that is not a number or one of the three strings is NaN. */
export function decodeNumber(value: WireNumber | null | undefined): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/** Encodes a column of float64s. */
export function encodeColumn(values: ArrayLike<number>): WireNumber[] {
  const out = new Array<WireNumber>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encodeNumber(values[i] as number);
  return out;
}

/** Decodes a column of wire numbers into a Float64Array. */
export function decodeColumn(values: readonly (WireNumber | null)[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = decodeNumber(values[i]);
  return out;
}
