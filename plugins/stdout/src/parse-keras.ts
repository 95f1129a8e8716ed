import { parseNumber } from './numbers.js';
import { stripTerminalBytes } from './terminal-text.js';

/** A Keras progress bar line (one redraw, or the epoch's last line). */
export interface KerasProgress {
  readonly kind: 'progress';
  /** Steps done in this epoch (`current` in `current/target`). */
  readonly current: number;
  /** Steps in the epoch; NaN for `Unknown`. */
  readonly target: number;
  /** The line shows `ETA:` (Keras 2, not the epoch's final line). */
  readonly eta: boolean;
  /** Metric names in order, e.g. `loss`, `accuracy`, `val_loss`. */
  readonly names: string[];
  readonly values: number[];
}

/** `Epoch 3/10`. */
export interface KerasEpoch {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly epochs: number;
}

/**
 * Reads one line or redraw of Keras output, with terminal controls already stripped. Knows
 * Keras 3 (`12/1875 ━━━━━━━━━━━━ 3s 2ms/step - accuracy: 0.5 - loss: 1.2`), Keras 2 / tf.keras
 * (`  12/1875 [>.....] - ETA: 3s - loss: 1.2`), both at verbose=2 (`1875/1875 - 3s - loss: ...`),
 * `%7d/Unknown` counts, and `Epoch N/M` headers. Metric values are read as Python printed them
 * (`%.4f`, `%.4e`, `nan`, `inf`); names of values that are not numbers are left out.
 */
export function parseKerasLine(s: string): KerasProgress | KerasEpoch | undefined {
  return readKeras(s, false);
}

/**
 * `parseKerasLine` over the valid UTF-8 bytes `b[start, end)`, terminal controls and all. The
 * bytes are read as Latin-1 (one character per byte, which Node decodes several times faster
 * than UTF-8): everything Keras prints that matters is ASCII, and its bar glyph is matched as
 * its three bytes.
 */
export function parseKerasBytes(b: Buffer, start: number, end: number): KerasProgress | KerasEpoch | undefined {
  return readKeras(stripTerminalBytes(b.toString('latin1', start, end)), true);
}

/** `━` (U+2501) as UTF-8 bytes read as Latin-1. */
const GLYPH_BYTES = '\u00e2\u0094\u0081';
/** A Keras 2 bar from after its `[`: `====>.....]`. */
const KERAS2_BAR = /[=>.]*\]/y;

function readKeras(s: string, bytes: boolean): KerasProgress | KerasEpoch | undefined {
  let i = 0;
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 32) i++;
  if (i === n) return undefined;
  const first = s.charCodeAt(i);
  if (first === 69 /* E */) return parseEpochHeader(s, i);
  if (first < 48 || first > 57) return undefined;

  const currentStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  const current = readInteger(s, currentStart, i);
  if (i >= n || s.charCodeAt(i) !== 47 /* / */) return undefined;
  i++;
  let target = Number.NaN;
  if (s.startsWith('Unknown', i)) {
    i += 7;
  } else {
    const targetStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === targetStart) return undefined;
    target = readInteger(s, targetStart, i);
  }
  if (i >= n || s.charCodeAt(i) !== 32) return undefined;
  const after = s.charCodeAt(i + 1);
  if (after === 91 /* [ */) {
    // Keras 2 bar: [====>.....]
    KERAS2_BAR.lastIndex = i + 2;
    if (!KERAS2_BAR.test(s)) return undefined;
    i = KERAS2_BAR.lastIndex;
  } else if (bytes ? s.startsWith(GLYPH_BYTES, i + 1) : after === 0x2501 /* ━ */) {
    // Keras 3 bar. Not skipped: the ` - ` pairs are looked for from here, and no glyph is a space.
    i += 1;
  } else if (after === 45 /* - */ && s.charCodeAt(i + 2) === 32) {
    // verbose=2: "1875/1875 - 3s - loss: ..."
  } else if (!(isDigit(after) && Number.isNaN(target))) {
    // Keras 3 `%7d/Unknown` is followed by the elapsed time; anything else is not Keras.
    return undefined;
  }
  return progress(current, target, s, i);
}

/** The digits `s[start, end)` as a number, as `Number()` reads them (exactly, up to 15 digits). */
function readInteger(s: string, start: number, end: number): number {
  if (end - start > 15) return Number(s.slice(start, end));
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (s.charCodeAt(i) - 48);
  return value;
}

function parseEpochHeader(s: string, i: number): KerasEpoch | undefined {
  if (!s.startsWith('Epoch ', i)) return undefined;
  const m = /^Epoch (\d+)\/(\d+) *$/.exec(i === 0 ? s : s.slice(i));
  if (!m) return undefined;
  return { kind: 'epoch', epoch: Number(m[1]), epochs: Number(m[2]) };
}

/** Reads the ` - name: value` pairs from `i` on. */
function progress(current: number, target: number, s: string, i: number): KerasProgress {
  const names: string[] = [];
  const values: number[] = [];
  let eta = false;
  const n = s.length;
  while (i < n) {
    const sep = s.indexOf(' - ', i);
    if (sep < 0) break;
    const partStart = sep + 3;
    let partEnd = s.indexOf(' - ', partStart);
    if (partEnd < 0) partEnd = n;
    i = partEnd;
    const colon = s.indexOf(': ', partStart);
    if (colon < 0 || colon >= partEnd) continue;
    if (!isMetricName(s, partStart, colon)) continue;
    let valueStart = colon + 2;
    while (valueStart < partEnd && s.charCodeAt(valueStart) === 32) valueStart++;
    let valueEnd = partEnd;
    while (valueEnd > valueStart && s.charCodeAt(valueEnd - 1) === 32) valueEnd--;
    if (colon - partStart === 3 && s.startsWith('ETA', partStart)) {
      eta = true;
      continue;
    }
    const value = parseNumber(s, valueStart, valueEnd);
    if (value === undefined) continue;
    names.push(s.slice(partStart, colon));
    values.push(value);
  }
  return { kind: 'progress', current, target, eta, names, values };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Keras metric names: letters, digits, `_`, `.`, `/`, `-`, not starting with a digit. */
function isMetricName(s: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let j = start; j < end; j++) {
    const c = s.charCodeAt(j);
    const ok =
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      c === 95 ||
      (j > start && ((c >= 48 && c <= 57) || c === 46 || c === 47 || c === 45));
    if (!ok) return false;
  }
  return true;
}
