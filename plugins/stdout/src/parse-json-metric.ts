import { type FieldSource, FlatFieldSource, ObjectFieldSource } from './field-source.js';
import { scanFlatObject, ValueKind } from './flat-object.js';
import type { ParseContext } from './parse-context.js';
import { Format, RejectReason, XAxis } from './sink.js';

/** Keys that set a point's x, in order of preference. */
const X_KEYS = ['step', 'at', 'epoch'] as const;

/** Epoch values below this are seconds (Python's `time.time()`), above it milliseconds. */
const SECONDS_LIMIT = 1e11;

const KIND_NAMES = ['number', 'string', 'string', 'boolean', 'null', 'value'];

/**
 * FloydHub metric lines: `{"metric": "<name>", "value": <int|float>}`, optionally with `step`,
 * `at` or `epoch` (x) and `timestamp` (wall time: epoch seconds or milliseconds, or an ISO date).
 * Returns true when the line was a metric line, whether or not a point came of it; a value that
 * is not an int or float is rejected, as FloydHub does.
 */
export class JsonMetricParser {
  #flat: FlatFieldSource;

  constructor(readonly context: ParseContext) {
    this.#flat = new FlatFieldSource(context.fields);
  }

  parse(line: string, now: number): boolean {
    if (scanFlatObject(line, 0, line.length, this.context.fields)) {
      if (this.context.fields.quote !== 34) return false;
      this.#flat.line = line;
      return this.#apply(this.#flat, now);
    }
    // Nested values or escapes the fast path does not read: only worth JSON.parse if it names a metric.
    if (!line.includes('"metric"')) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return false;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
    return this.#apply(new ObjectFieldSource(parsed as Record<string, unknown>), now);
  }

  #apply(fields: FieldSource, now: number): boolean {
    const nameKind = fields.kind('metric');
    if (nameKind < 0) return false;
    const { tally } = this.context;
    if (nameKind !== ValueKind.string && nameKind !== ValueKind.escapedString) {
      const shown = fields.text('metric');
      tally.add(
        RejectReason.invalidName,
        shown,
        () => `JSON metric line with "metric": ${shown}; the name must be a string.`,
      );
      return true;
    }
    const name = fields.text('metric');
    const valueKind = fields.kind('value');
    if (valueKind !== ValueKind.number) {
      if (valueKind < 0) {
        tally.add(
          RejectReason.missingValue,
          name,
          () => `JSON metric line for "${name}" has no "value"; it was skipped.`,
        );
      } else {
        const shown = valueKind === ValueKind.string ? JSON.stringify(fields.text('value')) : fields.text('value');
        tally.add(
          RejectReason.nonNumericValue,
          name,
          () =>
            `Metric "${name}" got ${shown} (a ${KIND_NAMES[valueKind]}); only int and float values are recorded. ` +
            'Later values of this kind for this metric are counted, not logged.',
        );
      }
      return true;
    }
    const value = fields.number('value');
    let x = Number.NaN;
    let axis: XAxis = XAxis.none;
    for (const key of X_KEYS) {
      const kind = fields.kind(key);
      if (kind < 0) continue;
      const candidate = kind === ValueKind.number ? fields.number(key) : Number.NaN;
      if (Number.isFinite(candidate)) {
        x = candidate;
        axis = key === 'epoch' ? XAxis.epoch : XAxis.step;
      } else {
        const shown = fields.text(key);
        tally.add(
          RejectReason.badX,
          name,
          () => `Metric "${name}" has "${key}": ${shown}; x must be a finite number, so the point was kept without x.`,
        );
      }
      break;
    }
    const time = this.#time(fields, name, now);
    this.context.emit(name, value, x, time, axis, Format.json);
    return true;
  }

  #time(fields: FieldSource, name: string, now: number): number {
    const kind = fields.kind('timestamp');
    if (kind < 0) return now;
    let time = Number.NaN;
    if (kind === ValueKind.number) {
      const t = fields.number('timestamp');
      time = Math.abs(t) < SECONDS_LIMIT ? t * 1000 : t;
    } else if (kind === ValueKind.string) {
      time = Date.parse(fields.text('timestamp'));
    }
    if (Number.isFinite(time)) return time;
    const shown = fields.text('timestamp');
    this.context.tally.add(
      RejectReason.badTimestamp,
      name,
      () =>
        `Metric "${name}" has "timestamp": ${shown}, which is not epoch seconds, milliseconds or an ISO date; the time it was read was used.`,
    );
    return now;
  }
}
