import type { ApiChart, WireNumber } from '@trainscope/client';
import type { ChartRead } from './data-source.js';

/** A wire number as a float64: NaN, Infinity and -Infinity travel as strings. */
export function decodeWireNumber(value: WireNumber | null | undefined): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/** A column of wire numbers as a Float64Array. */
export function decodeWireColumn(values: readonly (WireNumber | null)[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = decodeWireNumber(values[i]);
  return out;
}

/** A chart read from its JSON form. */
export function chartFromWire(c: ApiChart): ChartRead {
  const b = c.buckets;
  return {
    axis: c.axis,
    start: c.start,
    end: c.end,
    pixelExp: c.pixel_exp,
    last: c.last === null ? null : { x: c.last.x, time: c.last.time, value: decodeWireNumber(c.last.value) },
    ...(typeof c.points === 'number' ? { points: c.points } : {}),
    buckets: {
      length: b.bucket.length,
      bucket: Float64Array.from(b.bucket),
      count: Float64Array.from(b.count),
      nanCount: Float64Array.from(b.nan_count),
      firstX: decodeWireColumn(b.first_x),
      firstV: decodeWireColumn(b.first_v),
      lastX: decodeWireColumn(b.last_x),
      lastV: decodeWireColumn(b.last_v),
      minX: decodeWireColumn(b.min_x),
      minV: decodeWireColumn(b.min_v),
      maxX: decodeWireColumn(b.max_x),
      maxV: decodeWireColumn(b.max_v),
    },
  };
}
