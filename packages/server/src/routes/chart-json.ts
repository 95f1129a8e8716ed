import type { ChartData } from '@trainscope/core';
import { chartMetaToWire } from '../to-wire.js';

/** Bucket columns in wire order: [wire name, key of the core's M4 columns]. */
export const CHART_COLUMNS = [
  ['bucket', 'bucket'],
  ['count', 'count'],
  ['nan_count', 'nanCount'],
  ['first_x', 'firstX'],
  ['first_v', 'firstV'],
  ['last_x', 'lastX'],
  ['last_v', 'lastV'],
  ['min_x', 'minX'],
  ['min_v', 'minV'],
  ['max_x', 'maxX'],
  ['max_v', 'maxV'],
] as const;

function columnJson(values: Float64Array): string {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) return spelledColumnJson(values);
  }
  // A finite double prints the same through join as through JSON.stringify (both use
  // Number::toString), at a quarter of the cost of building and stringifying an array.
  return `[${values.join(',')}]`;
}

function spelledColumnJson(values: Float64Array): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    parts[i] = Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
  }
  return `[${parts.join(',')}]`;
}

/**
 * A chart read as its JSON text: the same document as `JSON.stringify(chartToWire(c))`, written
 * straight from the typed arrays (a zoom's answer is mostly this text).
 */
export function chartJson(c: ChartData): string {
  const meta = JSON.stringify(chartMetaToWire(c));
  const b = c.buckets;
  const buckets = CHART_COLUMNS.map(([wire, key]) => `"${wire}":${columnJson(b[key].subarray(0, b.length))}`).join(',');
  return `${meta.slice(0, -1)},"buckets":{${buckets}}}`;
}
