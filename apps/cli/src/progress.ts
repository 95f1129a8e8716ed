/** Where a progress bar is drawn: `process.stderr`, or a stand-in with the same two members. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** What a progress bar counts; bytes are shown as KB/MB/GB. */
export type ProgressUnit = 'points' | 'bytes';

/** Options of `Progress`. */
export interface ProgressOptions {
  /** How many units make 100%; null when only a running count can be known (no percentage is shown). */
  total: number | null;
  /** @default 'points' */
  unit?: ProgressUnit;
  /** Drawn only when this is a terminal. @default process.stderr */
  stream?: ProgressStream;
  /** Least time between two redraws. @default 100 */
  intervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Opens a progress bar; commands take one so that tests can draw on a stand-in terminal. */
export type ProgressFactory = (label: string, options: Omit<ProgressOptions, 'stream'>) => Progress;

/** Progress bars on this process's stderr. */
export const stderrProgress: ProgressFactory = (label, options) => new Progress(label, options);

const WIDTH = 30;

/**
 * A one-line progress bar, redrawn in place, on a stream that is a terminal; silent otherwise (so
 * piped and redirected stderr stays free of `\r` redraws).
 */
export class Progress {
  readonly #label: string;
  readonly #total: number | null;
  readonly #unit: ProgressUnit;
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  readonly #interval: number;
  readonly #now: () => number;
  #done = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #ended = false;

  constructor(label: string, options: ProgressOptions) {
    this.#label = label;
    this.#total = options.total === null ? null : Math.max(0, options.total);
    this.#unit = options.unit ?? 'points';
    this.#stream = options.stream ?? process.stderr;
    this.#tty = Boolean(this.#stream.isTTY);
    this.#interval = options.intervalMs ?? 100;
    this.#now = options.now ?? Date.now;
    this.#maybeDraw();
  }

  /** Units done so far. */
  get done(): number {
    return this.#done;
  }

  /** Counts `n` more units done. */
  add(n: number): void {
    this.set(this.#done + n);
  }

  /** Sets the units done (a figure read from outside, such as a file's size). */
  set(done: number): void {
    if (this.#ended) return;
    this.#done = done;
    this.#maybeDraw();
  }

  /** Draws the final figure and ends the line. */
  finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#tty) return;
    if (this.#total !== null) this.#done = Math.max(this.#done, this.#total);
    this.#stream.write(`${this.#line()}\n`);
  }

  /** Erases the bar (the command failed: its message gets a clean line). */
  abort(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#tty) this.#stream.write('\r\u001b[K');
  }

  #maybeDraw(): void {
    if (!this.#tty) return;
    const now = this.#now();
    if (now - this.#lastDraw < this.#interval) return;
    this.#lastDraw = now;
    this.#stream.write(this.#line());
  }

  #line(): string {
    const points = this.#unit === 'points';
    const show = (n: number) => (points ? n.toLocaleString('en-US') : formatBytes(n));
    if (this.#total === null) return `\r${this.#label} ${show(this.#done)}${points ? ' points' : ''}\u001b[K`;
    const fraction = this.#total === 0 ? 1 : Math.min(1, this.#done / this.#total);
    const filled = Math.round(fraction * WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const count = `${show(this.#done)} / ${show(this.#total)}${points ? ' points' : ''}`;
    return `\r${this.#label} ${bar} ${percent} ${count}\u001b[K`;
  }
}

/** A byte count in 1000-based units: 999 -> "999 B", 1536 -> "1.54 KB", 12_345_678 -> "12.3 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  let value = n;
  let unit = 'B';
  for (const next of ['KB', 'MB', 'GB', 'TB']) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}
