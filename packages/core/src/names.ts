import { InvalidNameError } from './errors.js';
import type { JsonValue } from './model.js';

/** Longest series name the store accepts. */
export const MAX_SERIES_NAME_LENGTH = 512;

/** Joins name segments with `/`, dropping empty ones (`joinName('train', 'loss')` is `train/loss`). */
export function joinName(...segments: (string | undefined | null)[]): string {
  return segments
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .map((s) => s.replace(/^\/+|\/+$/g, ''))
    .filter((s) => s.length > 0)
    .join('/');
}

/**
 * Checks a series name: non-empty, at most 512 characters, no control characters, no empty
 * segment. Returns the name; throws `InvalidNameError` saying what is wrong otherwise.
 */
export function validateSeriesName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidNameError('A series name must be a non-empty string.', String(name));
  }
  if (name.length > MAX_SERIES_NAME_LENGTH) {
    throw new InvalidNameError(
      `Series name is ${name.length} characters long; the limit is ${MAX_SERIES_NAME_LENGTH}.`,
      name,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  const control = /[\u0000-\u001f\u007f]/.exec(name);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw new InvalidNameError(`Series name contains the control character U+${code}.`, name);
  }
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) {
    throw new InvalidNameError(`Series name "${name}" has an empty segment; join segments with a single "/".`, name);
  }
  return name;
}

const STATSD_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Gradient's rule for metric names declared for statsd: letters, digits, `_` and `-` only.
 * Throws `InvalidNameError` naming the first bad character.
 */
export function validateStatsdName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidNameError('A statsd metric name must be a non-empty string.', String(name));
  }
  if (!STATSD_NAME.test(name)) {
    const bad = [...name].find((c) => !/[A-Za-z0-9_-]/.test(c)) ?? '';
    throw new InvalidNameError(
      `Metric name "${name}" contains "${bad}"; declared statsd names may use only letters, digits, "_" and "-".`,
      name,
    );
  }
  return name;
}

/**
 * Flattens ml-dash style nested groups into series names:
 * `{ train: { loss: 1 }, epoch: 2 }` gives `[['train/loss', 1], ['epoch', 2]]`.
 * Non-object leaves are returned as they are; callers decide what is numeric.
 */
export function flattenGroups(record: Record<string, JsonValue | undefined>, prefix = ''): [string, JsonValue][] {
  const out: [string, JsonValue][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const name = joinName(prefix, key);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push(...flattenGroups(value, name));
    } else {
      out.push([name, value]);
    }
  }
  return out;
}
