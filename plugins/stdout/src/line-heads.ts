/** Slots in the table (a power of two). */
const SLOTS = 64;
/** Where the name starts in a head (`{"metric": "` is 12 characters). */
const NAME_AT = 12;

/**
 * Heads of recent JSON metric lines, `{"metric": "<name>", "value": `, each with its name, so that
 * a line printed again for the same metric is recognised with one `startsWith` instead of a
 * scan, slices and a name lookup per line (`startsWith` beats a slice of 13 or more characters,
 * which V8 compares outside its fast path). Direct-mapped on two characters of the name: a head whose slot is taken replaces the
 * older one, so memory stays bounded whatever the output holds. Heads and names are copies,
 * never slices that would keep a whole decoded chunk in memory.
 */
export class LineHeads {
  readonly #heads: string[] = new Array<string>(SLOTS).fill('');
  readonly #names: string[] = new Array<string>(SLOTS).fill('');

  /** The slot of the head held for the line `s[start, end)` when the line starts with it, else -1. */
  find(s: string, start: number, end: number): number {
    const slot = slotOf(s, start);
    const head = this.#heads[slot] as string;
    const after = start + head.length;
    if (head.length === 0 || after >= end || s.slice(start, after) !== head) return -1;
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

  /** Holds `s[start, valueStart)`, the head of a line that names `name`; returns the held name. */
  remember(s: string, start: number, valueStart: number, name: string): string {
    const slot = slotOf(s, start);
    const held = copyOf(name);
    this.#heads[slot] = copyOf(s.slice(start, valueStart));
    this.#names[slot] = held;
    return held;
  }
}

function slotOf(s: string, start: number): number {
  return (s.charCodeAt(start + NAME_AT) * 31 + s.charCodeAt(start + NAME_AT + 1)) & (SLOTS - 1);
}

/** A flat copy: V8 makes a slice of 13 characters or more a view that keeps its whole parent. */
function copyOf(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
