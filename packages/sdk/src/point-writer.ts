import { BatchBuilder, type PointBatch } from '@trainscope/core';
import type { RunSink } from './run-sink.js';

/** Something holding a throttled value that must still be written (a Coflux `Metric`). */
export interface Deferred {
  /** Writes the held value if its window has passed (or always, with `force`); true while one is still held. */
  release(now: number, force: boolean): boolean;
}

/** Options of `PointWriter`. */
export interface PointWriterOptions {
  /** Points gathered before they are handed to the sink. @default 65536 */
  batchPoints?: number;
  /** How often gathered points and due throttled values are handed over. @default 200 */
  flushIntervalMs?: number;
}

/**
 * The SDK's hot path: points are appended to columnar arrays (no object per point) and handed to
 * the sink as one batch when enough have gathered or on a short timer. Batches the sink cannot
 * take yet (a store behind on writes) are held and offered again on the next tick.
 */
export class PointWriter {
  readonly #sink: RunSink;
  readonly #batchPoints: number;
  #builder: BatchBuilder;
  #held: PointBatch[] = [];
  readonly #deferred = new Set<Deferred>();
  readonly #timer: NodeJS.Timeout;

  constructor(sink: RunSink, options: PointWriterOptions = {}) {
    this.#sink = sink;
    this.#batchPoints = options.batchPoints ?? 65_536;
    this.#builder = new BatchBuilder(Math.min(this.#batchPoints, 8192));
    this.#timer = setInterval(() => this.tick(false), options.flushIntervalMs ?? 200);
    this.#timer.unref();
  }

  /** Adds one point; x NaN means none given. */
  push(series: number, value: number, time: number, x: number): void {
    const builder = this.#builder;
    builder.push(series, value, time, x);
    if (builder.length >= this.#batchPoints) this.drain();
  }

  /** Registers a holder of a throttled value, released on ticks and on `tick(true)`. */
  defer(holder: Deferred): void {
    this.#deferred.add(holder);
  }

  /** Releases due (or, with `force`, all) throttled values and hands everything gathered to the sink. */
  tick(force: boolean): void {
    if (this.#deferred.size > 0) {
      const now = Date.now();
      for (const holder of this.#deferred) if (!holder.release(now, force)) this.#deferred.delete(holder);
    }
    this.drain();
  }

  /** Hands gathered points to the sink. */
  drain(): void {
    if (this.#builder.length > 0) this.#held.push(this.#builder.take());
    while (this.#held.length > 0) {
      try {
        this.#sink.ingest(this.#held[0] as PointBatch);
      } catch (error) {
        // The store's buffer is full: keep the batch and offer it again on the next tick.
        if ((error as { code?: string }).code === 'bad_batch' && /cannot take/.test(String(error))) return;
        this.#held.shift();
        throw error;
      }
      this.#held.shift();
    }
  }

  /** Points not yet handed to the sink. */
  get pending(): number {
    return this.#builder.length + this.#held.reduce((n, b) => n + b.length, 0);
  }

  /** Hands everything over (throttled values included), waiting while the sink is behind. */
  async handOver(): Promise<void> {
    this.tick(true);
    while (this.#held.length > 0) {
      await this.#sink.flush();
      this.drain();
    }
  }

  /** Hands everything over and waits until the sink has stored it. */
  async flush(): Promise<void> {
    await this.handOver();
    await this.#sink.flush();
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
