/**
 * Frames a byte stream (TCP, Unix socket) into newline-separated lines, handing on runs of
 * complete lines at once. A line longer than `maxLine` characters is dropped up to its newline
 * and reported through `onOversized`, so one runaway client cannot grow memory without bound.
 */
export class LineSplitter {
  readonly #maxLine: number;
  readonly #onLines: (lines: string) => void;
  readonly #onOversized: (length: number) => void;
  #pending = '';
  #discarding = false;

  constructor(maxLine: number, onLines: (lines: string) => void, onOversized: (length: number) => void) {
    this.#maxLine = maxLine;
    this.#onLines = onLines;
    this.#onOversized = onOversized;
  }

  /** Takes the next decoded chunk of the stream. */
  push(chunk: string): void {
    const text = this.#pending + chunk;
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      this.#keep(text);
      return;
    }
    let complete = text.slice(0, last);
    if (this.#discarding) {
      const end = complete.indexOf('\n');
      complete = end < 0 ? '' : complete.slice(end + 1);
      this.#discarding = false;
    }
    this.#pending = '';
    this.#emit(complete);
    this.#keep(text.slice(last + 1));
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (!this.#discarding && this.#pending.length > 0) this.#emit(this.#pending);
    this.#pending = '';
    this.#discarding = false;
  }

  #keep(rest: string): void {
    if (this.#discarding) return;
    if (rest.length > this.#maxLine) {
      this.#onOversized(rest.length);
      this.#pending = '';
      this.#discarding = true;
    } else {
      this.#pending = rest;
    }
  }

  #emit(lines: string): void {
    if (lines.length === 0) return;
    if (lines.length <= this.#maxLine) {
      this.#onLines(lines);
      return;
    }
    const kept: string[] = [];
    for (const line of lines.split('\n')) {
      if (line.length > this.#maxLine) this.#onOversized(line.length);
      else kept.push(line);
    }
    if (kept.length > 0) this.#onLines(kept.join('\n'));
  }
}
