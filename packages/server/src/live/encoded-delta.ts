import { encodeLiveBinary, encodeLivePacked } from '@trainscope/client';
import type { SeriesDelta } from '@trainscope/core';
import { deltaToWire } from '../to-wire.js';

/** Wire encoding of a live connection's deltas. */
export type LiveEncoding = 'json' | 'binary' | 'packed';

/**
 * Points per message at most: a longer run of points (a catch-up page, a burst) goes out in
 * pieces of this size, so one socket never queues much more than its high-water mark plus one
 * piece (~300 KB of JSON, 200 KB binary).
 */
export const MAX_MESSAGE_POINTS = 8192;

/** Messages encoded and served, across every connection (see `LiveStats`). */
export interface EncodeCounters {
  encoded: number;
  served: number;
}

/** The points [start, end) of a delta, as views (no copy). */
export function sliceDelta(d: SeriesDelta, start: number, end: number = d.value.length): SeriesDelta {
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
 * Encodes one delta as a `delta` message: UTF-8 JSON, or the binary layouts of `encodeLiveBinary`
 * and `encodeLivePacked`.
 */
export function encodeDelta(d: SeriesDelta, encoding: LiveEncoding): Buffer {
  if (encoding !== 'json') {
    const columns = [
      { series: d.seriesId, run: d.runId, from: d.from, x: d.x, xGiven: d.xGiven, time: d.time, value: d.value },
    ];
    const bytes = encoding === 'packed' ? encodeLivePacked(columns) : encodeLiveBinary(columns);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return Buffer.from(JSON.stringify({ type: 'delta', deltas: [deltaToWire(d)] }));
}

/**
 * A run of points of one series [from, end) with its messages, encoded at most once per encoding
 * and shared by every connection that sends it (ws frames a Buffer without copying it), so a
 * thousand subscribers at the same cursor cost one encoding and a thousand socket writes.
 */
export class EncodedDelta {
  readonly delta: SeriesDelta;
  readonly #counters: EncodeCounters;
  /** When its first point was published (performance.now()), for the send-lag figure; 0 for store reads. */
  publishedAt = 0;
  readonly #messages: Record<LiveEncoding, Buffer | null> = { json: null, binary: null, packed: null };

  constructor(delta: SeriesDelta, counters: EncodeCounters) {
    this.delta = delta;
    this.#counters = counters;
  }

  get from(): number {
    return this.delta.from;
  }

  get end(): number {
    return this.delta.from + this.delta.value.length;
  }

  /** Bytes held: the columns and the messages encoded so far. */
  get bytes(): number {
    const { json, binary, packed } = this.#messages;
    return 25 * this.delta.value.length + (json?.length ?? 0) + (binary?.length ?? 0) + (packed?.length ?? 0);
  }

  /** The message carrying these points from point number `from` on (shared when `from` is the start). */
  message(encoding: LiveEncoding, from: number = this.from): Buffer {
    this.#counters.served++;
    if (from > this.from) {
      // A cursor inside the run (a resume from an arbitrary point): this connection's own message.
      this.#counters.encoded++;
      return encodeDelta(sliceDelta(this.delta, from - this.from), encoding);
    }
    let message = this.#messages[encoding];
    if (message === null) {
      this.#counters.encoded++;
      message = encodeDelta(this.delta, encoding);
      this.#messages[encoding] = message;
    }
    return message;
  }
}

/** Cuts a delta into runs of at most `MAX_MESSAGE_POINTS` points. */
export function splitDelta(d: SeriesDelta, counters: EncodeCounters): EncodedDelta[] {
  const out: EncodedDelta[] = [];
  for (let at = 0; at < d.value.length; at += MAX_MESSAGE_POINTS) {
    const piece = at === 0 && d.value.length <= MAX_MESSAGE_POINTS ? d : sliceDelta(d, at, at + MAX_MESSAGE_POINTS);
    out.push(new EncodedDelta(piece, counters));
  }
  return out;
}

/** Finds the run holding point number `n` in runs sorted by `from` (the last one starting at or before it). */
export function runAt(runs: readonly EncodedDelta[], n: number): EncodedDelta | undefined {
  let lo = 0;
  let hi = runs.length - 1;
  let found: EncodedDelta | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const run = runs[mid] as EncodedDelta;
    if (run.from <= n) {
      found = run;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found !== undefined && n < found.end ? found : undefined;
}
