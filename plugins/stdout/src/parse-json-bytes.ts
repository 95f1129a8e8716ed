import { ByteHeads } from './byte-heads.js';
import { parsedBytes, parseNumberBytes } from './numbers.js';
import type { ParseContext } from './parse-context.js';
import { Format, XAxis } from './sink.js';

/** `{"metric": "` as little-endian 32-bit words. */
const PREFIX_WORDS = words('{"metric": "');
/** `", "value": ` after the name's closing quote. */
const VALUE_KEY = [34, 44, 32, 34, 118, 97, 108, 117, 101, 34, 58, 32];
/** `, "step": ` as two words and a 16-bit tail. */
const STEP_WORDS = words(', "step"');
const STEP_TAIL = Buffer.from(': ', 'latin1').readUInt16LE(0);
/** The shortest line of the shape: `{"metric": "a", "value": 1}`. */
const SHORTEST = 27;
/** Longer names are left to the text path (held heads stay small). */
const MAX_NAME = 200;

/**
 * The shape nearly every script prints, `{"metric": "<name>", "value": <number>}` with an
 * optional `, "step": <number>`, read straight from the line's ASCII bytes: fixed keys and held
 * heads are compared a 32-bit word at a time, the numbers are read as `parseNumber` reads them,
 * and a name seen before needs no string made or looked up. Anything else, and any detail it
 * does not read (escapes, bytes outside ASCII, `nan`, long mantissas, other spacing or keys),
 * returns false having emitted nothing, and the caller reads the line as text with
 * `JsonMetricParser`, which is the reference: both give the same point for every line this one
 * accepts.
 */
export class JsonBytesParser {
  readonly #heads = new ByteHeads();
  #buffer: Uint8Array = new Uint8Array(0);
  #view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(readonly context: ParseContext) {}

  /** Reads the line `b[start, end)`; true when it emitted its point. */
  parse(b: Uint8Array, start: number, end: number, now: number): boolean {
    if (end - start < SHORTEST) return false;
    const close = end - 1;
    if (b[close] !== 125 /* } */) return false;
    if (b !== this.#buffer) {
      this.#buffer = b;
      this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const view = this.#view;
    if (
      view.getInt32(start, true) !== PREFIX_WORDS[0] ||
      view.getInt32(start + 4, true) !== PREFIX_WORDS[1] ||
      view.getInt32(start + 8, true) !== PREFIX_WORDS[2]
    ) {
      return false;
    }
    const nameStart = start + 12;
    // SHORTEST leaves the 12 bytes that slotOf reads after the prefix.
    const slot = ByteHeads.slotOf(view, nameStart);
    const headLength = this.#heads.match(slot, view, b, start, end);
    let name: string;
    let held: boolean;
    let valueStart: number;
    if (headLength > 0) {
      name = this.#heads.name(slot);
      held = true;
      valueStart = start + headLength;
    } else {
      const nameEnd = nameEndOf(b, nameStart, Math.min(end, nameStart + MAX_NAME));
      if (nameEnd < 0 || nameEnd + 13 > end) return false;
      for (let k = 0; k < 12; k++) if (b[nameEnd + k] !== VALUE_KEY[k]) return false;
      name = latin1(b, nameStart, nameEnd);
      held = false;
      valueStart = nameEnd + 12;
    }
    // b[close] is `}`, which ends any number: the readers stop there at the latest.
    const value = parseNumberBytes(b, valueStart);
    if (Number.isNaN(value)) return false;
    const at = parsedBytes.end;
    let x = Number.NaN;
    if (at !== close) {
      if (
        at + 11 > close ||
        view.getInt32(at, true) !== STEP_WORDS[0] ||
        view.getInt32(at + 4, true) !== STEP_WORDS[1] ||
        view.getUint16(at + 8, true) !== STEP_TAIL
      ) {
        return false;
      }
      x = parseNumberBytes(b, at + 10);
      if (Number.isNaN(x) || parsedBytes.end !== close) return false;
    }
    const axis = Number.isNaN(x) ? XAxis.none : XAxis.step;
    if (held) {
      this.context.emitChecked(name, value, x, now, axis, Format.json);
    } else if (this.context.names.check(name) === undefined) {
      // Only names the series rule accepts are held, so that a held head's name needs no check.
      this.#heads.remember(slot, name);
      this.context.emitChecked(name, value, x, now, axis, Format.json);
    } else {
      this.context.emit(name, value, x, now, axis, Format.json);
    }
    return true;
  }
}

/** The closing quote of a name of printable ASCII without escapes at `[start, limit)`, or -1. */
function nameEndOf(b: Uint8Array, start: number, limit: number): number {
  for (let i = start; i < limit; i++) {
    const c = b[i] as number;
    if (c === 34 /* " */) return i;
    if (c === 92 /* \ */ || c < 32 || c > 126) return -1;
  }
  return -1;
}

function words(text: string): number[] {
  const bytes = Buffer.from(text, 'latin1');
  const out: number[] = [];
  for (let k = 0; k + 4 <= bytes.length; k += 4) out.push(bytes.readInt32LE(k));
  return out;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}
