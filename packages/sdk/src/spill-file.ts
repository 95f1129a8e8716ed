import { appendFileSync, closeSync, openSync, readSync, rmSync } from 'node:fs';
import { type Chunk, decodeChunk, encodeChunk } from './chunk.js';

/** Chunks appended to a file and read back in order (the outage buffer past its memory bound). */
export class SpillFile {
  readonly path: string;
  #readOffset = 0;
  #chunks = 0;
  #points = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Chunks written and not yet read back. */
  get chunks(): number {
    return this.#chunks;
  }

  /** Points written and not yet read back. */
  get points(): number {
    return this.#points;
  }

  append(chunk: Chunk): void {
    const words = encodeChunk(chunk);
    appendFileSync(this.path, new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
    this.#chunks++;
    this.#points += chunk.batch.length;
  }

  /** Reads the oldest chunk not yet read; removes the file once all are read. */
  shift(): Chunk | undefined {
    if (this.#chunks === 0) return undefined;
    const fd = openSync(this.path, 'r');
    try {
      const head = new Float64Array(1);
      readSync(fd, new Uint8Array(head.buffer), 0, 8, this.#readOffset);
      const words = new Float64Array(head[0] as number);
      readSync(fd, new Uint8Array(words.buffer), 0, words.byteLength, this.#readOffset);
      this.#readOffset += words.byteLength;
      const chunk = decodeChunk(words);
      this.#chunks--;
      this.#points -= chunk.batch.length;
      return chunk;
    } finally {
      closeSync(fd);
      if (this.#chunks === 0) this.remove();
    }
  }

  /** Deletes the file and forgets its chunks. */
  remove(): void {
    rmSync(this.path, { force: true });
    this.#readOffset = 0;
    this.#chunks = 0;
    this.#points = 0;
  }
}
