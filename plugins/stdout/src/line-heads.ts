import { flatCopy } from './flat-copy.js';

/** Slots in the table (a power of two). */
const SLOTS = 256;
const HEAD_START = '{"metric": "';
const HEAD_END = '", "value": ';
/** Misses in a row after which a held head gives its slot up. */
const YIELD_AFTER = 64;
/** Where the name starts in a head. */
const NAME_AT = HEAD_START.length;

/**
 * Heads of recent JSON metric lines, `{"metric": "<name>", "value": `, each with its name, so that
 * a line printed again for the same metric is recognised with one slice comparison instead of a
 * scan, slices, a backslash check and a name lookup per line. Direct-mapped on the name's length
 * and a few of its characters, 256 slots: memory stays bounded whatever the output holds, and a
 * held head yields its slot to another after a run of misses. Heads and names are built or
 * copied, never slices that would keep a whole decoded chunk in memory.
 */
export class LineHeads {
  readonly #heads: string[] = new Array<string>(SLOTS).fill('');
  readonly #names: string[] = new Array<string>(SLOTS).fill('');
  /** Lines that missed the slot's head since its last hit (a held head yields only to a run of them). */
  readonly #misses = new Uint8Array(SLOTS);

  /**
   * The slot of the head held for the line `s[start, end)` when the line starts with it; else
   * `~slot` (negative), the slot to `remember` the line's head in.
   */
  find(s: string, start: number, end: number): number {
    const slot = slotOf(s, start);
    const head = this.#heads[slot] as string;
    const after = start + head.length;
    if (head.length === 0 || after >= end || s.slice(start, after) !== head) return ~slot;
    this.#misses[slot] = 0;
    return slot;
  }

  /** Length of the head in `slot`. */
  length(slot: number): number {
    return (this.#heads[slot] as string).length;
  }

  /** The metric name of the head in `slot`. */
  name(slot: number): string {
    return this.#names[slot] as string;
  }

  /**
   * Offers `slot` (from `find`) the head `{"metric": "<name>", "value": ` of a line that missed
   * it; returns the name to use (the held copy when it was taken). A slot in use is given up only
   * after `YIELD_AFTER` lines missed it without a hit between, so that more names than slots do
   * not make every line pay for a copy.
   */
  remember(slot: number, name: string): string {
    if ((this.#heads[slot] as string).length > 0 && ++(this.#misses[slot] as number) < YIELD_AFTER) return name;
    this.#misses[slot] = 0;
    const held = flatCopy(name);
    // Built from parts, then copied: a concatenation is a rope that V8 compares off its fast path.
    this.#heads[slot] = flatCopy(`${HEAD_START}${held}${HEAD_END}`);
    this.#names[slot] = held;
    return held;
  }
}

/**
 * The slot of the line at `start`, from the name's length, its first character and its last two
 * (`train/loss` and `train/acc` differ at the end, `layer_1/norm` and `layer_2/norm` inside, so
 * both ends and the length are mixed). Characters past the text read as NaN, which mixes as 0.
 */
function slotOf(s: string, start: number): number {
  const nameStart = start + NAME_AT;
  const nameEnd = s.indexOf('"', nameStart);
  const hash =
    (nameEnd - nameStart) * 7919 +
    s.charCodeAt(nameStart) * 31 +
    s.charCodeAt(nameEnd - 1) * 131 +
    s.charCodeAt(nameEnd - 2) * 17 +
    s.charCodeAt(nameStart + ((nameEnd - nameStart) >> 1));
  return (hash ^ (hash >>> 6)) & (SLOTS - 1);
}
