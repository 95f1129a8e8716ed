import { type FieldSource, FlatFieldSource, ObjectFieldSource } from './field-source.js';
import { scanFlatObject, ValueKind } from './flat-object.js';
import { LineHeads } from './line-heads.js';
import { parseNumber } from './numbers.js';
import type { ParseContext } from './parse-context.js';
import { Format, RejectReason, XAxis } from './sink.js';

/** Keys that set a point's x, in order of preference. */
const X_KEYS = ['step', 'at', 'epoch'] as const;

/** Epoch values below this are seconds (Python's `time.time()`), above it milliseconds. */
const SECONDS_LIMIT = 1e11;

const FAST_PREFIX = '{"metric": "';
const FAST_VALUE = '", "value": ';
const FAST_STEP = ', "step": ';

const KIND_NAMES = ['number', 'string', 'string', 'boolean', 'null', 'value'];

/**
 * FloydHub metric lines: `{"metric": "<name>", "value": <int|float>}`, optionally with `step`,
 * `at` or `epoch` (x) and `timestamp` (wall time: epoch seconds or milliseconds, or an ISO date).
 * Returns true when the line was a metric line, whether or not a point came of it; a value that
 * is not an int or float is rejected, as FloydHub does.
 */
export class JsonMetricParser {
  #flat: FlatFieldSource;
  #heads = new LineHeads();

  constructor(readonly context: ParseContext) {
    this.#flat = new FlatFieldSource(context.fields);
  }

  /** Reads `text.slice(start, end)`; the common shape is read in place, without that slice. */
  parseAt(text: string, start: number, end: number, now: number): boolean {
    const slot = this.#heads.find(text, start, end);
    if (slot >= 0) {
      if (this.#rest(text, start + this.#heads.length(slot), end, this.#heads.name(slot), true, now)) return true;
    } else if (
      text.slice(start, start + FAST_PREFIX.length) === FAST_PREFIX &&
      this.#fast(text, start, end, ~slot, now)
    ) {
      return true;
    }
    return this.#general(start === 0 && end === text.length ? text : text.slice(start, end), now);
  }

  /** Reads one line. */
  parse(line: string, now: number): boolean {
    return this.parseAt(line, 0, line.length, now);
  }

  #general(line: string, now: number): boolean {
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

  /**
   * The shape nearly every script prints, `{"metric": "<name>", "value": <number>}` with an
   * optional `, "step": <number>`, read with a few short-slice comparisons (V8 runs these far
   * faster than `startsWith` at an offset) and no field table; its head is then held, so that
   * the next line for this metric is recognised by `parseAt` with one comparison.
   * Returns false (nothing emitted) for anything else, which then takes the general path.
   */
  #fast(s: string, start: number, end: number, slot: number, now: number): boolean {
    const nameStart = start + FAST_PREFIX.length;
    const nameEnd = s.indexOf('"', nameStart);
    if (nameEnd < 0 || nameEnd >= end || s.slice(nameEnd, nameEnd + FAST_VALUE.length) !== FAST_VALUE) return false;
    for (let i = nameStart; i < nameEnd; i++) if (s.charCodeAt(i) === 92 /* backslash */) return false;
    const valueStart = nameEnd + FAST_VALUE.length;
    const name = s.slice(nameStart, nameEnd);
    // Only names the series rule accepts are held, so that a held head's name needs no check.
    if (this.context.names.check(name) !== undefined) return this.#rest(s, valueStart, end, name, false, now);
    return this.#rest(s, valueStart, end, this.#heads.remember(slot, name), true, now);
  }

  /** The fast shape from its value on: `<number>}` or `<number>, "step": <number>}`. */
  #rest(s: string, valueStart: number, end: number, name: string, checked: boolean, now: number): boolean {
    const close = end - 1;
    if (s.charCodeAt(close) !== 125 /* } */) return false;
    const comma = s.indexOf(',', valueStart);
    const valueEnd = comma < 0 || comma > close ? close : comma;
    const value = parseNumber(s, valueStart, valueEnd);
    if (value === undefined) return false;
    let x = Number.NaN;
    if (valueEnd !== close) {
      if (s.slice(valueEnd, valueEnd + FAST_STEP.length) !== FAST_STEP) return false;
      const step = parseNumber(s, valueEnd + FAST_STEP.length, close);
      if (step === undefined || !Number.isFinite(step)) return false;
      x = step;
    }
    const axis = Number.isNaN(x) ? XAxis.none : XAxis.step;
    if (checked) this.context.emitChecked(name, value, x, now, axis, Format.json);
    else this.context.emit(name, value, x, now, axis, Format.json);
    return true;
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
