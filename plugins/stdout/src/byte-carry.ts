/**
 * The unfinished end of a stream (bytes after its last line break), capped at `limit` bytes:
 * what goes past the cap is counted in `dropped`, not kept, so memory stays bounded whatever
 * the stream sends.
 */
export class ByteCarry {
  #buffer: Buffer = Buffer.alloc(0);
  #length = 0;
  /** Bytes of the current unfinished line that were past the cap and thrown away. */
  dropped = 0;

  constructor(readonly limit: number) {}

  get length(): number {
    return this.#length;
  }

  /** Appends bytes, keeping at most `limit` in all. */
  append(bytes: Uint8Array): void {
    const room = this.limit - this.#length;
    const take = Math.min(room, bytes.length);
    this.dropped += bytes.length - take;
    if (take === 0) return;
    const needed = this.#length + take;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(needed, this.#buffer.length * 2, 256)));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#buffer.set(take === bytes.length ? bytes : bytes.subarray(0, take), this.#length);
    this.#length = needed;
  }

  /** The bytes held, followed by `rest` (copied: the carry is emptied). */
  takeWith(rest: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(this.#length + rest.length);
    this.#buffer.copy(out, 0, 0, this.#length);
    out.set(rest, this.#length);
    this.clear();
    return out;
  }

  clear(): void {
    this.#length = 0;
    this.dropped = 0;
    if (this.#buffer.length > 64 * 1024) this.#buffer = Buffer.alloc(0);
  }
}
