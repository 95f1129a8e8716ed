import { InvalidValueError } from './errors.js';

/** What a value was meant for, in error messages. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (ArrayBuffer.isView(value)) return `binary data (${value.constructor.name}); log numbers, not buffers`;
  if (Array.isArray(value)) return 'an array; log one number per field (appendBatch takes a list of records)';
  if (value !== null && typeof value === 'object' && value.constructor !== Object)
    return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}

/**
 * Returns `value` when it is a number (NaN and +/-Infinity included: the store keeps them);
 * throws `InvalidValueError` naming the metric otherwise.
 */
export function checkValue(name: string, value: unknown): number {
  if (typeof value === 'number') return value;
  throw valueError(name, value);
}

/** The error for a value that is not a number. */
export function valueError(name: string, value: unknown): InvalidValueError {
  return new InvalidValueError(
    `Metric "${name}" got ${describe(value)}; values must be numbers (NaN and Infinity are kept as such).`,
    value,
  );
}

/** Returns `at` when it is a finite number; throws `InvalidValueError` otherwise. */
export function checkAt(name: string, at: unknown): number {
  if (typeof at === 'number' && Number.isFinite(at)) return at;
  throw new InvalidValueError(
    `Metric "${name}" got at = ${typeof at === 'number' ? String(at) : describe(at)}; at must be a finite number (a step, epoch or other x value).`,
    at,
  );
}

/**
 * True for a plain object (a group of fields); false for arrays, typed arrays and Buffers, Maps,
 * Dates and other class instances, which are refused rather than walked key by key.
 */
export function isGroup(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The error for a record that is not a plain object of numbers. */
export function recordError(name: string, record: unknown): InvalidValueError {
  return new InvalidValueError(
    `Metric "${name}" got ${describe(record)} as a record; a record is a plain object of numbers.`,
    record,
  );
}
