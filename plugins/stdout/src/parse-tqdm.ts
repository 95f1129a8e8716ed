import { parseNumber } from './numbers.js';

/** A tqdm progress bar with a postfix. */
export interface TqdmBar {
  /** Items done (`n`). */
  readonly n: number;
  /** Items in all; NaN when tqdm has no total (`450it [...]`). */
  readonly total: number;
  readonly names: string[];
  readonly values: number[];
}

// `450/1000 [00:12<00:15, 36.50it/s, loss=0.693]` or `450it [00:12, 36.50it/s, loss=0.693]`
const BAR = /(\d+)(?:\/(\d+)|[A-Za-z]*) \[(?:\d+:)?\d\d:\d\d(?:<(?:(?:\d+:)?\d\d:\d\d|\?))?, ([^\]]*)\]/;

/** Postfix keys that are not metrics (PyTorch Lightning's logger version). */
const IGNORED = new Set(['v_num']);

/**
 * Reads the postfix of a tqdm bar (`set_postfix(loss=0.69)` prints `loss=0.69`,
 * `set_postfix_str('loss: 0.69')` prints it as given): `key=value` and `key: value` items
 * whose value is a number. Returns undefined for lines that are not tqdm bars or have no such
 * item. Terminal controls must already be stripped.
 */
export function parseTqdmLine(s: string): TqdmBar | undefined {
  if (!s.includes(' [')) return undefined;
  const m = BAR.exec(s);
  if (!m) return undefined;
  const items = (m[3] as string).split(',');
  const names: string[] = [];
  const values: number[] = [];
  for (const item of items) {
    let sep = item.indexOf('=');
    let valueStart = sep + 1;
    if (sep < 0) {
      sep = item.indexOf(': ');
      valueStart = sep + 2;
    }
    if (sep <= 0) continue;
    const name = item.slice(0, sep).trim();
    if (name.length === 0 || IGNORED.has(name) || /\s/.test(name)) continue;
    const raw = item.slice(valueStart).trim();
    const value = parseNumber(raw, 0, raw.length);
    if (value === undefined) continue;
    names.push(name);
    values.push(value);
  }
  if (names.length === 0) return undefined;
  return { n: Number(m[1]), total: m[2] === undefined ? Number.NaN : Number(m[2]), names, values };
}
