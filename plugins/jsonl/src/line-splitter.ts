/** One line out of the splitter: its text, or `null` for a line longer than the limit (skipped). */
export type SplitLine = string | null;

const NEWLINE = 0x0a;

/**
 * Cuts a byte stream into lines. Complete lines are decoded as UTF-8 a chunk at a time (one decode
 * per chunk, not per line); a line longer than `maxLineBytes` is dropped up to its newline and
 * comes out as `null`, so the holder never buffers more than the limit and line numbers stay right.
 * An unterminated last line stays held until its newline arrives (or `end()` is called).
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  #carry: Buffer = Buffer.alloc(0);
  #discarding = false;
  #consumed = 0;

  /** @param maxLineBytes longest line kept; @default 1048576 (1 MiB) */
  constructor(maxLineBytes = 1 << 20) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Bytes pushed so far that ended in a newline (the offset to resume from). */
  get consumed(): number {
    return this.#consumed;
  }

  /** Bytes held for an unterminated line. */
  get pending(): number {
    return this.#discarding ? 0 : this.#carry.length;
  }

  /** Feeds bytes; returns the lines they complete, in order. */
  push(chunk: Buffer): SplitLine[] {
    const out: SplitLine[] = [];
    let buf = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    let start = 0;
    if (this.#discarding) {
      const nl = buf.indexOf(NEWLINE);
      if (nl < 0) {
        this.#consumed += buf.length;
        this.#carry = Buffer.alloc(0);
        return out;
      }
      out.push(null);
      this.#discarding = false;
      this.#consumed += nl + 1;
      start = nl + 1;
    }
    const lastNl = buf.lastIndexOf(NEWLINE);
    if (lastNl >= start) {
      const text = buf.toString('utf8', start, lastNl);
      for (const line of text.split('\n')) out.push(this.#fits(line) ? line : null);
      this.#consumed += lastNl + 1 - start;
      start = lastNl + 1;
    }
    const rest = buf.length - start;
    if (rest > this.#maxLineBytes) {
      this.#discarding = true;
      this.#consumed += rest;
      this.#carry = Buffer.alloc(0);
    } else {
      // Copy, so a large chunk is not kept alive by a short tail.
      this.#carry = rest === 0 ? Buffer.alloc(0) : Buffer.from(buf.subarray(start));
    }
    buf = Buffer.alloc(0);
    return out;
  }

  /** Ends the stream: returns the unterminated last line, if any. */
  end(): SplitLine[] {
    if (this.#discarding) {
      this.#discarding = false;
      return [null];
    }
    if (this.#carry.length === 0) return [];
    const line = this.#carry.toString('utf8');
    this.#consumed += this.#carry.length;
    this.#carry = Buffer.alloc(0);
    return [line];
  }

  /** Forgets everything held (after a truncation or rotation) and restarts counting at `offset`. */
  reset(offset = 0): void {
    this.#carry = Buffer.alloc(0);
    this.#discarding = false;
    this.#consumed = offset;
  }

  #fits(line: string): boolean {
    const max = this.#maxLineBytes;
    if (line.length > max) return false;
    return line.length * 3 <= max || Buffer.byteLength(line) <= max;
  }
}

/** True for an empty or whitespace-only line (skipped, not an error). */
export function isBlank(line: string): boolean {
  if (line.length === 0) return true;
  const c = line.charCodeAt(0);
  if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  return line.trim().length === 0;
}
