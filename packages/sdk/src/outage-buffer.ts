import { join } from 'node:path';
import type { Chunk } from './chunk.js';
import { SpillFile } from './spill-file.js';

/**
 * Chunks waiting for delivery, oldest first: in memory up to `memoryPoints`, then appended to a
 * spill file, and read back in order as memory frees up. Nothing is dropped.
 */
export class OutageBuffer {
  readonly #memory: Chunk[] = [];
  #memoryPoints = 0;
  readonly #limit: number;
  readonly #spill: SpillFile;

  constructor(memoryPoints: number, spillDir: string, name: string) {
    this.#limit = memoryPoints;
    this.#spill = new SpillFile(join(spillDir, `${name}.spill`));
  }

  /** Points waiting, in memory and on disk. */
  get points(): number {
    return this.#memoryPoints + this.#spill.points;
  }

  /** Points waiting on disk. */
  get spilledPoints(): number {
    return this.#spill.points;
  }

  /** Path of the spill file. */
  get spillPath(): string {
    return this.#spill.path;
  }

  push(chunk: Chunk): void {
    // Once anything is on disk, newer chunks go there too, so the order holds.
    if (this.#spill.chunks > 0 || (this.#memoryPoints + chunk.batch.length > this.#limit && this.#memory.length > 0)) {
      this.#spill.append(chunk);
      return;
    }
    this.#memory.push(chunk);
    this.#memoryPoints += chunk.batch.length;
  }

  /** The oldest chunk, without removing it. */
  peek(): Chunk | undefined {
    if (this.#memory.length === 0) {
      const chunk = this.#spill.shift();
      if (!chunk) return undefined;
      this.#memory.push(chunk);
      this.#memoryPoints += chunk.batch.length;
    }
    return this.#memory[0];
  }

  /** Removes the oldest chunk (after it was delivered). */
  shift(): void {
    const chunk = this.#memory.shift();
    if (chunk) this.#memoryPoints -= chunk.batch.length;
  }

  /** Every chunk still waiting, oldest first, all on disk: for a close that cannot deliver. Returns the file. */
  persist(): string {
    const memory = this.#memory.splice(0);
    this.#memoryPoints = 0;
    if (memory.length === 0) return this.#spill.path;
    const rest: Chunk[] = [];
    for (let c = this.#spill.shift(); c; c = this.#spill.shift()) rest.push(c);
    for (const chunk of [...memory, ...rest]) this.#spill.append(chunk);
    return this.#spill.path;
  }
}
