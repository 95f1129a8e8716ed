import { isAscii, isUtf8 } from 'node:buffer';
import { ByteCarry } from './byte-carry.js';

const LF = 10;
const CR = 13;

/** Where the splitter hands its pieces. */
export interface SplitHandler {
  /**
   * A piece as `text.slice(start, end)` (the text is often a whole decoded run of lines, so that
   * readers can scan it without making a string per line). `endOfLine` is true for a piece ended
   * by `\n` or `\r\n`, false for a redraw the handler asked for. `truncatedFrom` is the piece's
   * real length in bytes when it was longer than the limit and only its start is given, else 0.
   * A line whose last piece is empty after redraws (`a\rb\r\n`) is given as its last redraw.
   */
  segment(
    text: string,
    start: number,
    end: number,
    endOfLine: boolean,
    truncatedFrom: number,
    invalidUtf8: boolean,
  ): void;
  /**
   * A redraw (a piece ended by a lone `\r`) is at `bytes[start, end)`: return true to have it
   * decoded and given to `segment()`, false to skip it undecoded (progress bars redraw often) or
   * when the handler read it from the bytes itself.
   */
  wantRedraw(bytes: Buffer, start: number, end: number): boolean;
}

/**
 * Splits a byte stream into lines and redraws, whatever the chunking: a line split across chunks,
 * `\r\n` split between two chunks, bytes that are not UTF-8 (decoded as U+FFFD and flagged), and
 * lines longer than `maxLineBytes` (cut, with their real length, holding at most that much).
 * Runs of complete lines are decoded at once, not a line at a time; redraws are found on the
 * bytes and decoded only when the handler wants them.
 */
export class LineSplitter {
  #carry: ByteCarry;
  /** The carry is followed by a `\r` whose meaning depends on the next byte. */
  #pendingCR = false;
  /** The current line's last non-empty redraw, decoded when its bytes might go away. */
  #lastRedraw = '';
  /** Where that redraw lies in the chunk being read (-1: not in it). */
  #lastRedrawStart = -1;
  #lastRedrawEnd = -1;
  /**
   * While `segment()` reads a piece of a run of lines that is all ASCII: the bytes the run was
   * decoded from, with `text[i]` at `asciiBytes[asciiBase + i]`, so that a reader may take the
   * bytes instead of the text. `asciiBase` is -1 for any other piece.
   */
  asciiBytes: Buffer = Buffer.alloc(0);
  asciiBase = -1;

  constructor(
    readonly maxLineBytes: number,
    readonly handler: SplitHandler,
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
    if (this.#pendingCR || this.#carry.length > 0 || this.#carry.dropped > 0 || this.#lastRedraw.length > 0) {
      this.#pendingCR = false;
      this.#emitCarry(true);
    }
  }

  #emitCarry(endOfLine: boolean): void {
    const dropped = this.#carry.dropped;
    const bytes = this.#carry.takeWith(EMPTY);
    const truncatedFrom = dropped > 0 ? bytes.length + dropped : 0;
    if (!endOfLine) {
      if (!this.handler.wantRedraw(bytes, 0, truncatedFrom > 0 ? 0 : bytes.length)) {
        if (bytes.length > 0) this.#keepRedraw(bytes.toString('utf8'));
        return;
      }
    }
    let text = bytes.toString('utf8');
    if (!endOfLine) {
      if (text.length > 0) this.#keepRedraw(text);
    } else if (text.length === 0 && this.#lastRedraw.length > 0) {
      text = this.#lastRedraw;
    }
    if (endOfLine) this.#lineDone();
    this.handler.segment(text, 0, text.length, endOfLine, truncatedFrom, !isUtf8(bytes));
  }

  #keepRedraw(text: string): void {
    this.#lastRedraw = text;
    this.#lastRedrawStart = -1;
  }

  #lineDone(): void {
    this.#lastRedraw = '';
    this.#lastRedrawStart = -1;
  }

  /** Hands out the pieces of `view[start, end)`, which ends with a terminator. */
  #region(view: Buffer, start: number, end: number): void {
    let pos = start;
    let cr = -2;
    while (pos < end) {
      if (cr < pos && cr !== -1) cr = nextLoneCR(view, pos, end);
      if (cr < 0) {
        this.#lines(view, pos, end);
        break;
      }
      // Plain lines up to the line that holds the redraw, then that line on the bytes.
      const lf = view.lastIndexOf(LF, cr);
      const lineStart = lf < pos ? pos : lf + 1;
      if (lineStart > pos) this.#lines(view, pos, lineStart);
      pos = this.#redrawLine(view, lineStart, end);
    }
    if (this.#lastRedrawStart >= 0) {
      // The line goes on in the next chunk: keep its last redraw as text.
      this.#lastRedraw = view.toString('utf8', this.#lastRedrawStart, this.#lastRedrawEnd);
      this.#lastRedrawStart = -1;
    }
  }

  /** `view[start, end)` holds whole lines ended by `\n` or `\r\n`, no lone `\r`: decode once. */
  #lines(view: Buffer, start: number, end: number): void {
    // ASCII (most output) decodes as Latin-1, which Node does several times faster than UTF-8.
    const ascii = isAscii(view.subarray(start, end));
    const text = view.toString(ascii ? 'latin1' : 'utf8', start, end);
    const invalid = ascii || isUtf8(view.subarray(start, end)) ? undefined : invalidPieces(view, start, end);
    const max = this.maxLineBytes;
    const n = text.length;
    let pos = 0;
    let piece = 0;
    while (pos < n) {
      let lf = text.indexOf('\n', pos);
      if (lf < 0) lf = n;
      const segEnd = lf > pos && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf;
      const bad = invalid !== undefined && invalid[piece] === true;
      if (segEnd === pos && this.#lastRedraw.length > 0) {
        // `...\rlast\r` then `\n` in a later chunk: the line shows its last redraw.
        this.handler.segment(this.#lastRedraw, 0, this.#lastRedraw.length, true, 0, bad);
      } else if ((segEnd - pos) * 3 > max && Buffer.byteLength(text.slice(pos, segEnd), 'utf8') > max) {
        const whole = Buffer.from(text.slice(pos, segEnd), 'utf8');
        const cut = whole.subarray(0, max).toString('utf8');
        this.handler.segment(cut, 0, cut.length, true, whole.length, bad);
      } else if (ascii) {
        this.asciiBytes = view;
        this.asciiBase = start;
        this.handler.segment(text, pos, segEnd, true, 0, bad);
        this.asciiBase = -1;
      } else {
        this.handler.segment(text, pos, segEnd, true, 0, bad);
      }
      if (this.#lastRedraw.length > 0) this.#lineDone();
      piece++;
      pos = lf + 1;
    }
  }

  /**
   * The line at `start` holds lone `\r`s: hands out its redraws (decoded only if wanted) and its
   * last piece. Returns where the next line starts (`end` when this one goes on past the region).
   */
  #redrawLine(view: Buffer, start: number, end: number): number {
    let lineEnd = view.indexOf(LF, start);
    if (lineEnd >= end) lineEnd = -1;
    const limit = lineEnd < 0 ? end : lineEnd;
    let pos = start;
    for (;;) {
      const cr = view.indexOf(CR, pos);
      if (cr < 0 || cr >= limit || cr + 1 === lineEnd) break;
      this.#redraw(view, pos, cr);
      pos = cr + 1;
    }
    if (lineEnd < 0) return end;
    const segEnd = lineEnd > pos && view[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (segEnd > pos) {
      this.#lastRedrawStart = -1;
      this.#lines(view, pos, lineEnd + 1);
    } else {
      const text =
        this.#lastRedrawStart >= 0
          ? view.toString('utf8', this.#lastRedrawStart, this.#lastRedrawEnd)
          : this.#lastRedraw;
      const bad = this.#lastRedrawStart >= 0 && !isUtf8(view.subarray(this.#lastRedrawStart, this.#lastRedrawEnd));
      this.#lineDone();
      this.handler.segment(text, 0, text.length, true, 0, bad);
      return lineEnd + 1;
    }
    this.#lineDone();
    return lineEnd + 1;
  }

  #redraw(view: Buffer, start: number, end: number): void {
    if (end > start) {
      this.#lastRedrawStart = start;
      this.#lastRedrawEnd = end;
    }
    if (end - start > this.maxLineBytes) {
      this.handler.wantRedraw(view, start, start);
      return;
    }
    if (!this.handler.wantRedraw(view, start, end)) return;
    const text = view.toString('utf8', start, end);
    this.handler.segment(text, 0, text.length, false, 0, !isUtf8(view.subarray(start, end)));
  }
}

/** The next `\r` in `view[from, end)` that is not part of `\r\n`, or -1. */
function nextLoneCR(view: Buffer, from: number, end: number): number {
  let cr = view.indexOf(CR, from);
  while (cr >= 0 && cr < end && view[cr + 1] === LF) cr = view.indexOf(CR, cr + 2);
  return cr >= 0 && cr < end ? cr : -1;
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
