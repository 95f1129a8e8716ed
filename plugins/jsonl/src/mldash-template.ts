import { pythonString } from './python-json.js';

/**
 * The shape of the records of one ml-dash metric file, kept on each series imported from it (label
 * `mldash.record`) so an export writes the records back as they were.
 */
export interface MldashTemplate {
  /** Data keys (nested ones joined with `/`) in the order they first appear. */
  keys: string[];
  /** The key that gives x (`step`, else `epoch`), or null. */
  x: string | null;
  /** Keys whose values were all written as integers (`1`, not `1.0`). */
  ints: string[];
  /** Whether records carry `createdAt`. */
  createdAt: boolean;
}

/** Label names on series imported from ml-dash. */
export const MLDASH_LABELS = {
  /** The metric (directory under `metrics/`, `/`-separated when nested). */
  metric: 'mldash.metric',
  /** The data key the series holds. */
  field: 'mldash.field',
  /** The metric's `MldashTemplate`, as JSON. */
  record: 'mldash.record',
} as const;

/** Reads a template back from a label; `undefined` when absent or not one. */
export function parseTemplate(text: string | undefined): MldashTemplate | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<MldashTemplate>;
    if (!Array.isArray(v.keys) || !Array.isArray(v.ints) || typeof v.createdAt !== 'boolean') return undefined;
    return {
      keys: v.keys.map(String),
      x: typeof v.x === 'string' ? v.x : null,
      ints: v.ints.map(String),
      createdAt: v.createdAt,
    };
  } catch {
    return undefined;
  }
}

/** The ways a key may be written in a line (JSON.stringify's and Python's ensure_ascii form). */
export function quotedKeyForms(key: string): string[] {
  return [...new Set([JSON.stringify(key), pythonString(key)])];
}

/**
 * Whether the integral number `value` of `key` is written in `line` as an integer (`"step": 3`)
 * rather than a float (`"step": 3.0`). Python keeps the difference; JSON.parse does not.
 * `forms` is `quotedKeyForms(key)` (worked out once per key by callers that loop).
 */
export function writtenAsInteger(line: string, key: string, value: number, forms = quotedKeyForms(key)): boolean {
  // Python writes an int in full digits; JavaScript spells 1e21 and beyond with an exponent,
  // which in the file would be a float.
  const token = Math.abs(value) >= 1e21 ? BigInt(value).toString() : String(value);
  for (const quoted of forms) {
    for (const sep of [': ', ':']) {
      const needle = `${quoted}${sep}${token}`;
      for (let i = line.indexOf(needle); i >= 0; i = line.indexOf(needle, i + 1)) {
        const next = line.charAt(i + needle.length);
        if (next === ',' || next === '}' || next === ' ' || next === '') return true;
      }
    }
  }
  return false;
}
