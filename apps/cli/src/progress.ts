/** A one-line progress bar on stderr when it is a terminal; silent otherwise. */
export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #tty = Boolean(process.stderr.isTTY);
  #done = 0;
  #lastDraw = 0;

  constructor(label: string, total: number) {
    this.#label = label;
    this.#total = Math.max(1, total);
  }

  add(n: number): void {
    this.#done += n;
    const now = Date.now();
    if (this.#tty && now - this.#lastDraw > 100) {
      this.#lastDraw = now;
      this.#draw();
    }
  }

  finish(): void {
    if (this.#tty) {
      this.#done = this.#total;
      this.#draw();
      process.stderr.write('\n');
    }
  }

  #draw(): void {
    const fraction = Math.min(1, this.#done / this.#total);
    const width = 30;
    const filled = Math.round(fraction * width);
    process.stderr.write(
      `\r${this.#label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${this.#done.toLocaleString('en-US')}`,
    );
  }
}
