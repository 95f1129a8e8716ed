import { isUtf8 } from 'node:buffer';
import { ByteCarry } from './byte-carry.js';

const LF = 10;
const CR = 13;

/**
 * Receives each piece of a stream: `endOfLine` is true for a piece ended by `\n` or `\r\n`, false
 * for one ended by a lone `\r` (a redraw: progress bars rewrite their line this way).
 * `truncatedFrom` is the piece's real length in bytes when it was longer than the limit and
 * `text` holds only its start, 0 otherwise.
 */
export type SegmentHandler = (text: string, endOfLine: boolean, truncatedFrom: number, invalidUtf8: boolean) => void;

/**
 * Splits a byte stream into lines and redraws, whatever the chunking: a line split across chunks,
 * `\r\n` split between two chunks, bytes that are not UTF-8 (decoded as U+FFFD and flagged), and
 * lines longer than `maxLineBytes` (cut, with their real length, holding at most that much).
 * Complete lines are decoded a chunk at a time, not a line at a time.
 */
export class LineSplitter {
  #carry: ByteCarry;
  /** The carry is followed by a `\r` whose meaning depends on the next byte. */
  #pendingCR = false;

  constructor(
    readonly maxLineBytes: number,
    readonly onSegment: SegmentHandler,
  ) {
    this.#carry = new ByteCarry(maxLineBytes);
  }

  push(buf: Uint8Array): void {
    const len = buf.length;
    let i = 0;
    if (len === 0) return;
    if (this.#pendingCR) {
      this.#pendingCR = false;
      if (buf[0] === LF) {
        this.#emitCarry(true);
        i = 1;
      } else {
        this.#emitCarry(false);
      }
    }
    const view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (this.#carry.length > 0 || this.#carry.dropped > 0) {
      const t = firstTerminator(view, i);
      if (t < 0) {
        this.#carry.append(view.subarray(i));
        return;
      }
      this.#carry.append(view.subarray(i, t));
      if (view[t] === LF) {
        this.#emitCarry(true);
        i = t + 1;
      } else if (t + 1 === len) {
        this.#pendingCR = true;
        return;
      } else if (view[t + 1] === LF) {
        this.#emitCarry(true);
        i = t + 2;
      } else {
        this.#emitCarry(false);
        i = t + 1;
      }
    }
    if (i >= len) return;
    const last = lastTerminator(view, len - 1, i);
    if (last < 0) {
      this.#carry.append(view.subarray(i));
      return;
    }
    if (view[last] === CR && last === len - 1) {
      // Lone trailing `\r`: redraw or first half of `\r\n`; the next chunk says which.
      const previous = last > i ? lastTerminator(view, last - 1, i) : -1;
      const regionEnd = previous < 0 ? i : previous + 1;
      if (regionEnd > i) this.#region(view, i, regionEnd);
      this.#carry.append(view.subarray(regionEnd, last));
      this.#pendingCR = true;
      return;
    }
    this.#region(view, i, last + 1);
    if (last + 1 < len) this.#carry.append(view.subarray(last + 1));
  }

  /** The stream ended: what is left is its last line, even without a line break. */
  end(): void {
    if (this.#pendingCR || this.#carry.length > 0 || this.#carry.dropped > 0) {
      this.#pendingCR = false;
      this.#emitCarry(true);
    }
  }

  #emitCarry(endOfLine: boolean): void {
    const dropped = this.#carry.dropped;
    const bytes = this.#carry.takeWith(EMPTY);
    const truncatedFrom = dropped > 0 ? bytes.length + dropped : 0;
    const valid = isUtf8(bytes);
    this.onSegment(bytes.toString('utf8'), endOfLine, truncatedFrom, !valid);
  }

  /** Decodes `view[start, end)`, which ends with a terminator, and hands out its pieces. */
  #region(view: Buffer, start: number, end: number): void {
    const text = view.toString('utf8', start, end);
    const invalid = isUtf8(view.subarray(start, end)) ? undefined : invalidPieces(view, start, end);
    const max = this.maxLineBytes;
    const n = text.length;
    let pos = 0;
    let nextLF = -1;
    let nextCR = -1;
    let piece = 0;
    while (pos < n) {
      if (nextLF < pos) {
        nextLF = text.indexOf('\n', pos);
        if (nextLF < 0) nextLF = n;
      }
      if (nextCR < pos) {
        nextCR = text.indexOf('\r', pos);
        if (nextCR < 0) nextCR = n;
      }
      let segEnd: number;
      let endOfLine: boolean;
      let next: number;
      if (nextCR < nextLF) {
        segEnd = nextCR;
        endOfLine = nextCR + 1 === nextLF && nextLF < n;
        next = endOfLine ? nextLF + 1 : nextCR + 1;
      } else {
        segEnd = nextLF;
        endOfLine = true;
        next = nextLF + 1;
      }
      let segment = text.slice(pos, segEnd);
      let truncatedFrom = 0;
      if (segment.length * 3 > max) {
        const bytes = Buffer.byteLength(segment, 'utf8');
        if (bytes > max) {
          truncatedFrom = bytes;
          segment = Buffer.from(segment, 'utf8').subarray(0, max).toString('utf8');
        }
      }
      this.onSegment(segment, endOfLine, truncatedFrom, invalid !== undefined && invalid[piece] === true);
      piece++;
      pos = next;
    }
  }
}

const EMPTY = new Uint8Array(0);

function firstTerminator(view: Buffer, from: number): number {
  const lf = view.indexOf(LF, from);
  const cr = view.indexOf(CR, from);
  if (lf < 0) return cr;
  if (cr < 0) return lf;
  return Math.min(lf, cr);
}

/** Last `\n` or `\r` at or before `from` and at or after `floor`, or -1. */
function lastTerminator(view: Buffer, from: number, floor: number): number {
  const lf = view.lastIndexOf(LF, from);
  const cr = view.lastIndexOf(CR, from);
  const last = Math.max(lf, cr);
  return last >= floor ? last : -1;
}

/** Which pieces of `view[start, end)` hold invalid UTF-8 (slow path, only for bad chunks). */
function invalidPieces(view: Buffer, start: number, end: number): boolean[] {
  const out: boolean[] = [];
  let pos = start;
  while (pos < end) {
    let t = pos;
    while (t < end && view[t] !== LF && view[t] !== CR) t++;
    out.push(!isUtf8(view.subarray(pos, t)));
    pos = view[t] === CR && view[t + 1] === LF && t + 1 < end ? t + 2 : t + 1;
  }
  return out;
}
