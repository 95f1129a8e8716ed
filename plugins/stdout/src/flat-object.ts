import { parseNumber } from './numbers.js';

/** What a field's value turned out to be. */
export const ValueKind = {
  number: 0,
  string: 1,
  /** A string holding a backslash escape: read it with `JSON.parse` if it matters. */
  escapedString: 2,
  boolean: 3,
  null: 4,
  /** Anything else that is well delimited (`np.float64(...)` with a non-number inside, ...). */
  other: 5,
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

/** Most fields one line may hold; longer objects are not metric lines. */
export const MAX_FIELDS = 64;

/**
 * The fields of one flat object, as offsets into the scanned line (no strings are made until a
 * reader asks for one). Reused from line to line: read it before the next scan.
 */
export class FlatFields {
  count = 0;
  /** `"` (34) or `'` (39): the quote the keys were written with. */
  quote = 0;
  readonly keyStart = new Int32Array(MAX_FIELDS);
  readonly keyEnd = new Int32Array(MAX_FIELDS);
  readonly kind = new Uint8Array(MAX_FIELDS);
  readonly number = new Float64Array(MAX_FIELDS);
  /** Inner bounds of string values, the token's bounds otherwise. */
  readonly valueStart = new Int32Array(MAX_FIELDS);
  readonly valueEnd = new Int32Array(MAX_FIELDS);

  /** Index of the field whose key is `key`, or -1. */
  find(s: string, key: string): number {
    for (let f = 0; f < this.count; f++) {
      if (this.keyEnd[f]! - this.keyStart[f]! === key.length && s.startsWith(key, this.keyStart[f])) return f;
    }
    return -1;
  }

  key(s: string, f: number): string {
    return s.slice(this.keyStart[f], this.keyEnd[f]);
  }

  value(s: string, f: number): string {
    return s.slice(this.valueStart[f], this.valueEnd[f]);
  }
}

const SPACE = 32;
const TAB = 9;

function skipSpace(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== SPACE && c !== TAB) break;
    i++;
  }
  return i;
}

/**
 * Scans `s[start, end)` as a flat object written either as JSON (`{"metric": "loss", "value": 0.5}`)
 * or as a Python dict repr (`{'loss': 0.69, 'epoch': 0.25}`), filling `out`. Values may be numbers
 * (including `nan`/`NaN`/`inf`/`Infinity`), strings, booleans (`true`/`True`), nulls (`null`/`None`),
 * or a call wrapping a number (`np.float64(0.5)`, `tensor(0.5, device='cuda:0')`, read as the number).
 *
 * Returns false when the text is not such an object (nested values, a missing comma, text after
 * the closing brace, mixed key quotes): callers then fall back or ignore the line. Hand-written so
 * the common metric line needs no `JSON.parse`.
 */
export function scanFlatObject(s: string, start: number, end: number, out: FlatFields): boolean {
  let i = skipSpace(s, start, end);
  if (i >= end || s.charCodeAt(i) !== 123 /* { */) return false;
  i = skipSpace(s, i + 1, end);
  out.count = 0;
  out.quote = 0;
  if (i < end && s.charCodeAt(i) === 125 /* } */) return skipSpace(s, i + 1, end) === end;
  while (i < end) {
    if (out.count === MAX_FIELDS) return false;
    const f = out.count;
    const quote = s.charCodeAt(i);
    if (quote !== 34 && quote !== 39) return false;
    if (out.quote === 0) out.quote = quote;
    else if (out.quote !== quote) return false;
    const keyStart = i + 1;
    const keyEnd = s.indexOf(quote === 34 ? '"' : "'", keyStart);
    if (keyEnd < 0 || keyEnd >= end) return false;
    for (let k = keyStart; k < keyEnd; k++) if (s.charCodeAt(k) === 92 /* backslash */) return false;
    out.keyStart[f] = keyStart;
    out.keyEnd[f] = keyEnd;
    i = skipSpace(s, keyEnd + 1, end);
    if (i >= end || s.charCodeAt(i) !== 58 /* : */) return false;
    i = skipSpace(s, i + 1, end);
    i = scanValue(s, i, end, out, f);
    if (i < 0) return false;
    out.count++;
    i = skipSpace(s, i, end);
    if (i >= end) return false;
    const c = s.charCodeAt(i);
    if (c === 125) return skipSpace(s, i + 1, end) === end;
    if (c !== 44 /* , */) return false;
    i = skipSpace(s, i + 1, end);
  }
  return false;
}

/** Reads one value at `i`; returns the index after it, or -1. */
function scanValue(s: string, i: number, end: number, out: FlatFields, f: number): number {
  if (i >= end) return -1;
  const c = s.charCodeAt(i);
  if (c === 34 || c === 39) {
    let j = i + 1;
    let escaped = false;
    for (; j < end; j++) {
      const d = s.charCodeAt(j);
      if (d === c) break;
      if (d === 92 /* \ */) {
        escaped = true;
        j++;
      }
    }
    if (j >= end) return -1;
    out.kind[f] = escaped ? ValueKind.escapedString : ValueKind.string;
    out.valueStart[f] = i + 1;
    out.valueEnd[f] = j;
    return j + 1;
  }
  if (c === 123 || c === 91 /* { [ */) return -1;
  // A bare token: up to the next delimiter, or a call's parenthesis.
  let j = i;
  for (; j < end; j++) {
    const d = s.charCodeAt(j);
    if (d === 44 || d === 125 || d === SPACE || d === TAB || d === 40 /* ( */) break;
  }
  if (j === i) return -1;
  out.valueStart[f] = i;
  out.valueEnd[f] = j;
  if (j < end && s.charCodeAt(j) === 40) return scanCall(s, i, j, end, out, f);
  const n = parseNumber(s, i, j);
  if (n !== undefined) {
    out.kind[f] = ValueKind.number;
    out.number[f] = n;
    return j;
  }
  out.kind[f] = literalKind(s, i, j);
  return j;
}

/** `name(number, ...)`: numpy scalars and torch tensors as Python prints them inside a dict. */
function scanCall(s: string, nameStart: number, open: number, end: number, out: FlatFields, f: number): number {
  const close = s.indexOf(')', open);
  if (close < 0 || close >= end) return -1;
  let argEnd = open + 1;
  while (argEnd < close && s.charCodeAt(argEnd) !== 44) argEnd++;
  const n = parseNumber(s, skipSpace(s, open + 1, argEnd), trimEnd(s, open + 1, argEnd));
  out.valueStart[f] = nameStart;
  out.valueEnd[f] = close + 1;
  if (n === undefined) {
    out.kind[f] = ValueKind.other;
  } else {
    out.kind[f] = ValueKind.number;
    out.number[f] = n;
  }
  return close + 1;
}

function trimEnd(s: string, start: number, end: number): number {
  while (end > start && s.charCodeAt(end - 1) === SPACE) end--;
  return end;
}

function literalKind(s: string, i: number, j: number): ValueKind {
  const length = j - i;
  if (length === 4) {
    if (s.startsWith('true', i) || s.startsWith('True', i)) return ValueKind.boolean;
    if (s.startsWith('null', i) || s.startsWith('None', i)) return ValueKind.null;
  } else if (length === 5 && (s.startsWith('false', i) || s.startsWith('False', i))) {
    return ValueKind.boolean;
  }
  return ValueKind.other;
}
