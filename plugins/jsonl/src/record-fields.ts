import { readTimestamp } from './iso-time.js';

/** The fields of one JSON-lines record, as points: x, wall time, and numeric fields by name. */
export interface RecordFields {
  /** From `step`, else `epoch`; NaN when neither is a number. */
  x: number;
  /** Which field x came from, when one did. */
  xField: 'step' | 'epoch' | null;
  /** From `timestamp` (epoch seconds, epoch ms or ISO 8601); NaN when absent or unreadable. */
  time: number;
  /** Numeric fields (NaN and +/-Infinity included), nested groups joined with `/`. */
  numbers: [string, number][];
  /** Fields that are not numbers (strings, booleans, null, lists), skipped. */
  skipped: string[];
}

/** Where x and time come from in a record. */
export interface RecordAxes {
  x: number;
  xField: 'step' | 'epoch' | null;
  time: number;
  hasTime: boolean;
}

/** Reads x (`step`, else `epoch`) and wall time (`timestamp`) of a record. */
export function recordAxes(record: Record<string, unknown>): RecordAxes {
  const step = record['step'];
  const epoch = record['epoch'];
  const xField = typeof step === 'number' ? 'step' : typeof epoch === 'number' ? 'epoch' : null;
  const x = xField === 'step' ? (step as number) : xField === 'epoch' ? (epoch as number) : Number.NaN;
  const ts = record['timestamp'];
  const hasTime = ts !== undefined;
  return { x, xField, time: hasTime ? readTimestamp(ts) : Number.NaN, hasTime };
}

/**
 * Visits the fields of a record that become series: every number (NaN, +/-Infinity included),
 * nested objects as groups (`train/loss`), leaving out the x field and `timestamp`. Paths are the
 * raw keys joined with `/`; `onOther` gets fields that are not numbers. No arrays are built, as
 * this runs once per line.
 */
export function walkRecord(
  record: Record<string, unknown>,
  axes: RecordAxes,
  onNumber: (path: string, value: number) => void,
  onOther: (path: string) => void,
): void {
  for (const key in record) {
    if (key === axes.xField || (axes.hasTime && key === 'timestamp')) continue;
    visit(key, record[key], onNumber, onOther);
  }
}

function visit(
  path: string,
  value: unknown,
  onNumber: (p: string, v: number) => void,
  onOther: (p: string) => void,
): void {
  if (typeof value === 'number') onNumber(path, value);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key in obj) visit(`${path}/${key}`, obj[key], onNumber, onOther);
  } else if (value !== undefined) onOther(path);
}

/**
 * Splits a JSON-lines record into x, time and numeric fields. `step` (else `epoch`) gives x and is
 * not a series of its own; when `step` is there, `epoch` is an ordinary series. `timestamp` gives
 * the wall time. Nested objects are groups: `{"train": {"loss": 1}}` is the field `train/loss`.
 */
export function recordFields(record: Record<string, unknown>): RecordFields {
  const axes = recordAxes(record);
  const numbers: [string, number][] = [];
  const skipped: string[] = [];
  walkRecord(
    record,
    axes,
    (path, value) => numbers.push([path, value]),
    (path) => skipped.push(path),
  );
  return { x: axes.x, xField: axes.xField, time: axes.time, numbers, skipped };
}
