/** Slots in the table (a power of two). */
const SLOTS = 256;
/** Misses in a row after which a held head gives its slot up (as `LineHeads`). */
const YIELD_AFTER = 64;
/** `{"metric": "` */
const PREFIX = Buffer.from('{"metric": "', 'latin1');
/** `", "value": ` */
const VALUE_KEY = Buffer.from('", "value": ', 'latin1');

/**
 * Heads of recent JSON metric lines, `{"metric": "<name>", "value": `, held as bytes and as
 * 32-bit words, each with its name, so that a line printed again for the same metric is
 * recognised by comparing a few words read from its bytes, without scanning it or making a
 * string. Direct-mapped on the 12 bytes after `{"metric": "` (the same for every line of a name,
 * whatever its value); 256 slots of names of bounded length, so memory stays bounded whatever
 * the output holds, and a held head yields its slot only after a run of misses, so that more
 * names than slots do not make every line pay for a copy. Names that share their first 12
 * bytes share a slot, and the caller reads the one not held the slow way.
 */
export class ByteHeads {
  readonly #names: string[] = new Array<string>(SLOTS).fill('');
  readonly #heads: Uint8Array[] = Array.from({ length: SLOTS }, () => new Uint8Array(0));
  readonly #words: Int32Array[] = Array.from({ length: SLOTS }, () => new Int32Array(0));
  readonly #misses = new Uint8Array(SLOTS);

  /** The slot of the line whose name starts at `nameStart` (12 bytes must be readable there). */
  static slotOf(view: DataView, nameStart: number): number {
    let h = Math.imul(view.getInt32(nameStart, true), 0x9e3779b1);
    h = Math.imul(h ^ view.getInt32(nameStart + 4, true), 0x85ebca6b);
    h = Math.imul(h ^ view.getInt32(nameStart + 8, true), 0xc2b2ae35);
    return (h ^ (h >>> 15) ^ (h >>> 24)) & (SLOTS - 1);
  }

  /**
   * Length of the head held in `slot` when the line `[start, end)`, which starts with
   * `{"metric": "`, starts with it; else -1.
   */
  match(slot: number, view: DataView, b: Uint8Array, start: number, end: number): number {
    const head = this.#heads[slot] as Uint8Array;
    const n = head.length;
    if (n === 0 || start + n >= end) return -1;
    const words = this.#words[slot] as Int32Array;
    const whole = words.length;
    // Words 0 to 2 are `{"metric": "`, which the caller has checked.
    for (let w = 3; w < whole; w++) if (view.getInt32(start + 4 * w, true) !== words[w]) return -1;
    for (let k = 4 * whole; k < n; k++) if (b[start + k] !== head[k]) return -1;
    this.#misses[slot] = 0;
    return n;
  }

  /** The metric name of the head in `slot`. */
  name(slot: number): string {
    return this.#names[slot] as string;
  }

  /**
   * Offers `slot` the head of a line for `name` that missed it (a name the series rule
   * accepts, without escapes); says whether it was taken.
   */
  remember(slot: number, name: string): boolean {
    if ((this.#heads[slot] as Uint8Array).length > 0 && ++(this.#misses[slot] as number) < YIELD_AFTER) return false;
    this.#misses[slot] = 0;
    const head = Buffer.concat([PREFIX, Buffer.from(name, 'latin1'), VALUE_KEY]);
    const words = new Int32Array(head.length >> 2);
    for (let w = 0; w < words.length; w++) words[w] = head.readInt32LE(4 * w);
    this.#names[slot] = name;
    this.#heads[slot] = new Uint8Array(head);
    this.#words[slot] = words;
    return true;
  }
}
