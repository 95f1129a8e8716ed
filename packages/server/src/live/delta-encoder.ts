import { encodeLiveBinary } from '@trainscope/client';
import type { SeriesDelta } from '@trainscope/core';
import { deltaToWire } from '../to-wire.js';

/** Wire encoding of a live connection's deltas. */
export type LiveEncoding = 'json' | 'binary';

type Cache = WeakMap<SeriesDelta, Map<string, Buffer>>;

/**
 * Points per message at most: a larger delta (a catch-up page from the store holds up to 100k)
 * goes out in pieces of this size, so one socket never queues much more than its high-water mark
 * plus one piece (~300 KB of JSON). Fixed, so that every connection cuts a shared delta alike and
 * the pieces are shared too.
 */
export const MAX_MESSAGE_POINTS = 8192;

function sliceDelta(d: SeriesDelta, start: number, end: number): SeriesDelta {
  return {
    seriesId: d.seriesId,
    runId: d.runId,
    from: d.from + start,
    x: d.x.subarray(start, end),
    xGiven: d.xGiven.subarray(start, end),
    time: d.time.subarray(start, end),
    value: d.value.subarray(start, end),
  };
}

/**
 * Encodes a list of deltas into one ready-to-send message Buffer, once per list: the live hub
 * hands the same delta objects to every subscriber that keeps up, so a thousand sockets share one
 * Buffer (ws frames it without copying). Entries hang off the first delta object and go when it
 * does.
 */
export class DeltaEncoder {
  readonly #caches: Record<LiveEncoding, Cache> = { json: new WeakMap(), binary: new WeakMap() };
  readonly #pieces: Record<LiveEncoding, WeakMap<SeriesDelta, Buffer[]>> = {
    json: new WeakMap(),
    binary: new WeakMap(),
  };
  readonly #ids = new WeakMap<SeriesDelta, number>();
  #nextId = 0;
  /** Messages encoded (as opposed to served from the cache). */
  encoded = 0;
  /** Messages served. */
  served = 0;

  /**
   * The `delta` messages for these deltas, in order: one, unless they hold more than
   * `MAX_MESSAGE_POINTS` points, then one per piece of each delta.
   */
  messages(deltas: readonly SeriesDelta[], encoding: LiveEncoding): Buffer[] {
    let total = 0;
    for (const d of deltas) total += d.value.length;
    if (total <= MAX_MESSAGE_POINTS) return [this.message(deltas, encoding)];
    const out: Buffer[] = [];
    for (const d of deltas) {
      let pieces = this.#pieces[encoding].get(d);
      if (!pieces) {
        pieces = [];
        for (let at = 0; at < d.value.length; at += MAX_MESSAGE_POINTS) {
          pieces.push(this.#encode([sliceDelta(d, at, Math.min(d.value.length, at + MAX_MESSAGE_POINTS))], encoding));
        }
        this.#pieces[encoding].set(d, pieces);
      }
      this.served += pieces.length;
      out.push(...pieces);
    }
    return out;
  }

  /** The `delta` message for these deltas, as UTF-8 JSON or the binary layout. */
  message(deltas: readonly SeriesDelta[], encoding: LiveEncoding): Buffer {
    this.served++;
    const first = deltas[0];
    if (first === undefined) return this.#encode(deltas, encoding);
    const key = deltas.length === 1 ? '' : deltas.map((d) => this.#id(d)).join(',');
    const cache = this.#caches[encoding];
    let byKey = cache.get(first);
    if (!byKey) {
      byKey = new Map();
      cache.set(first, byKey);
    }
    let message = byKey.get(key);
    if (!message) {
      message = this.#encode(deltas, encoding);
      byKey.set(key, message);
    }
    return message;
  }

  #id(d: SeriesDelta): number {
    let id = this.#ids.get(d);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(d, id);
    }
    return id;
  }

  #encode(deltas: readonly SeriesDelta[], encoding: LiveEncoding): Buffer {
    this.encoded++;
    if (encoding === 'binary') {
      const bytes = encodeLiveBinary(
        deltas.map((d) => ({
          series: d.seriesId,
          run: d.runId,
          from: d.from,
          x: d.x,
          xGiven: d.xGiven,
          time: d.time,
          value: d.value,
        })),
      );
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return Buffer.from(JSON.stringify({ type: 'delta', deltas: deltas.map(deltaToWire) }));
  }
}
