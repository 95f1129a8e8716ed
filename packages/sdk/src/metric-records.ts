import { InvalidNameError, type JsonValue } from '@trainscope/core';
import { checkValue, isGroup, recordError } from './values.js';

/** An ml-dash record: numbers, possibly in nested groups. */
export interface MetricData {
  [key: string]: number | MetricData;
}

/** Label naming the metric a series holds a field of (`train_loss`), as plugin-jsonl's ml-dash import sets it. */
export const METRIC_LABEL = 'mldash.metric';
/** Label naming the record field a series holds (`value`, `epoch`, `train/loss`). */
export const FIELD_LABEL = 'mldash.field';
/**
 * Label with the record's shape as plugin-jsonl's `MldashTemplate` (keys, x key, integer keys,
 * createdAt), so `trainscope export --format ml-dash` writes the metric's records back.
 */
export const RECORD_LABEL = 'mldash.record';

/** The template of the record a field first appeared in: its keys, no x key (x is the index), its integer keys. */
export function recordTemplate(fields: readonly [string, number][]): string {
  return JSON.stringify({
    keys: fields.map(([k]) => k),
    x: null,
    ints: fields.filter(([, v]) => Number.isInteger(v)).map(([k]) => k),
    createdAt: true,
  });
}

/**
 * Flattens a record into field paths and values (`{ a: { b: 1 } }` gives `a/b`), refusing
 * anything that is not a number or a group with `InvalidValueError`.
 */
export function recordFields(metric: string, data: unknown): [string, number][] {
  if (!isGroup(data)) throw recordError(metric, data);
  const out: [string, number][] = [];
  const visit = (path: string, value: unknown) => {
    if (isGroup(value)) {
      for (const key in value as Record<string, unknown>) {
        if (key.length === 0 || key.includes('/')) {
          throw new InvalidNameError(`Metric "${metric}": record key "${key}" must be non-empty and hold no "/".`, key);
        }
        visit(path ? `${path}/${key}` : key, (value as Record<string, unknown>)[key]);
      }
    } else if (value !== undefined) {
      out.push([path, checkValue(`${metric}.${path}`, value)]);
    }
  };
  visit('', data);
  return out;
}

/** Series name of a record field: `value` is the metric itself, any other field `metric/field`. */
export function fieldSeriesName(metric: string, field: string): string {
  return field === 'value' ? metric : `${metric}/${field}`;
}

/** Puts a value at a `/`-joined path of a record. */
function setPath(target: MetricData, path: string, value: number): void {
  const parts = path.split('/');
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    const next = node[key];
    if (next === undefined || typeof next === 'number') {
      const fresh: MetricData = {};
      node[key] = fresh;
      node = fresh;
    } else node = next;
  }
  node[parts.at(-1) as string] = value;
}

/**
 * Rebuilds records from points read back: every field of record `index` is stored at x = index,
 * so points sharing an x form one record. `fieldOf` maps a series id to its field path.
 */
export function assembleRecords(
  rows: { length: number; series: ArrayLike<number>; x: ArrayLike<number>; value: ArrayLike<number> },
  fieldOf: ReadonlyMap<number, string>,
  into: Map<number, MetricData>,
): void {
  for (let i = 0; i < rows.length; i++) {
    const field = fieldOf.get(rows.series[i] as number);
    if (field === undefined) continue;
    const index = rows.x[i] as number;
    let record = into.get(index);
    if (!record) {
      record = {};
      into.set(index, record);
    }
    setPath(record, field, rows.value[i] as number);
  }
}

/** Records as `read` returns them, in index order. */
export function recordList(records: Map<number, MetricData>): { index: number; data: MetricData }[] {
  return [...records.entries()].sort((a, b) => a[0] - b[0]).map(([index, data]) => ({ index, data }));
}

/** Flattens nested params as ml-dash does (`{ model: { lr: 1 } }` is `model.lr`). */
export function flattenParams(params: Record<string, JsonValue>, prefix = ''): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      Object.assign(out, flattenParams(value, name));
    else out[name] = value;
  }
  return out;
}
