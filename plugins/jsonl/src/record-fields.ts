import { flattenGroups, type JsonValue } from '@trainscope/core';
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

/**
 * Splits a JSON-lines record into x, time and numeric fields. `step` (else `epoch`) gives x and is
 * not a series of its own; when `step` is there, `epoch` is an ordinary series. `timestamp` gives
 * the wall time. Nested objects are groups: `{"train": {"loss": 1}}` is the field `train/loss`.
 */
export function recordFields(record: Record<string, unknown>): RecordFields {
  const xField = typeof record['step'] === 'number' ? 'step' : typeof record['epoch'] === 'number' ? 'epoch' : null;
  const x = xField === null ? Number.NaN : (record[xField] as number);
  const hasTime = record['timestamp'] !== undefined;
  const time = hasTime ? readTimestamp(record['timestamp']) : Number.NaN;
  const numbers: [string, number][] = [];
  const skipped: string[] = [];
  for (const [name, value] of flattenGroups(record as Record<string, JsonValue>)) {
    if (name === xField || (hasTime && name === 'timestamp')) continue;
    if (typeof value === 'number') numbers.push([name, value]);
    else skipped.push(name);
  }
  return { x, xField, time, numbers, skipped };
}
