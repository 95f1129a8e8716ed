import { InvalidValueError } from './errors.js';
import type { NameNode } from './name-node.js';
import type { PointWriter } from './point-writer.js';

/**
 * ml-dash's record being built by `metrics.log` and `metrics(prefix).log` calls: values gather
 * until `commit()` (ml-dash's `flush()`), or until a name that already has a value is logged
 * again, which commits the record first. A committed record's points share one wall time and one
 * x: the top-level `step`, else `epoch`, else none (the store numbers them). The field that gives
 * x is not a series of its own, as in plugin-jsonl's JSON-lines mapping.
 */
export class PendingRecord {
  readonly #host: { readonly writer: PointWriter };
  readonly #define: (node: NameNode) => number;
  readonly #step: NameNode;
  readonly #epoch: NameNode;
  #serial = 1;
  // Grown, never shrunk: `#size` says how many entries are live (no array resize per record).
  readonly #nodes: NameNode[] = [];
  readonly #values: number[] = [];
  #size = 0;

  constructor(host: { readonly writer: PointWriter }, root: NameNode, define: (node: NameNode) => number) {
    this.#host = host;
    this.#define = define;
    this.#step = root.child('step');
    this.#epoch = root.child('epoch');
  }

  /** Number of values waiting. */
  get size(): number {
    return this.#size;
  }

  /** Adds checked values (nodes and values aligned); a name logged twice commits first. */
  add(nodes: readonly NameNode[], values: readonly number[], count: number): void {
    for (let i = 0; i < count; i++) {
      const node = nodes[i] as NameNode;
      if (node.mark === this.#serial) this.commit();
      node.mark = this.#serial;
      this.#nodes[this.#size] = node;
      this.#values[this.#size++] = values[i] as number;
    }
  }

  /** Writes the record gathered so far as points with a shared wall time and x. */
  commit(): void {
    const nodes = this.#nodes;
    const n = this.#size;
    if (n === 0) return;
    const serial = this.#serial++;
    const xNode = this.#step.mark === serial ? this.#step : this.#epoch.mark === serial ? this.#epoch : null;
    let x = Number.NaN;
    if (xNode) {
      for (let i = 0; i < n; i++) if (nodes[i] === xNode) x = this.#values[i] as number;
      if (!Number.isFinite(x)) {
        this.#clear();
        throw new InvalidValueError(`${xNode.name} = ${x} cannot be the record's x; it must be a finite number.`, x);
      }
    }
    const time = Date.now();
    const writer = this.#host.writer;
    for (let i = 0; i < n; i++) {
      const node = nodes[i] as NameNode;
      if (node === xNode) continue;
      const id = node.id >= 0 ? node.id : this.#define(node);
      writer.push(id, this.#values[i] as number, time, x);
    }
    this.#clear();
  }

  #clear(): void {
    this.#size = 0;
  }
}
