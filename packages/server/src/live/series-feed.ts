import type { SeriesDelta } from '@trainscope/core';
import { type EncodeCounters, type EncodedDelta, runAt, sliceDelta, splitDelta } from './encoded-delta.js';

/** Joins contiguous deltas of one series into one (the points of one tick). */
function concat(deltas: readonly SeriesDelta[]): SeriesDelta {
  if (deltas.length === 1) return deltas[0] as SeriesDelta;
  const first = deltas[0] as SeriesDelta;
  let n = 0;
  for (const d of deltas) n += d.value.length;
  const out: SeriesDelta = {
    seriesId: first.seriesId,
    runId: first.runId,
    from: first.from,
    x: new Float64Array(n),
    xGiven: new Uint8Array(n),
    time: new Float64Array(n),
    value: new Float64Array(n),
  };
  let at = 0;
  for (const d of deltas) {
    out.x.set(d.x, at);
    out.xGiven.set(d.xGiven, at);
    out.time.set(d.time, at);
    out.value.set(d.value, at);
    at += d.value.length;
  }
  return out;
}

/**
 * The recent points of one series, as the runs of points every connection sends: what was
 * published during one tick becomes one run (cut at `MAX_MESSAGE_POINTS`), encoded once per
 * encoding however many connections send it. Holds [start, end); older runs are evicted under a
 * memory budget, and a connection whose cursor is before `start` reads from the store instead.
 */
export class SeriesFeed {
  readonly seriesId: number;
  readonly runId: string;
  /** First point number held. */
  start: number;
  /** Point number after the last sealed run: what connections may send up to. */
  end: number;
  readonly runs: EncodedDelta[] = [];
  /** Points in `runs`. */
  points = 0;
  /** Connections that follow this series. */
  readonly followers = new Set<{ pump(seriesId: number): void }>();
  #pending: SeriesDelta[] = [];
  #pendingSince = 0;
  /** End of what is sealed or pending. */
  #pendingEnd: number;
  readonly #counters: EncodeCounters;

  constructor(seriesId: number, runId: string, start: number, counters: EncodeCounters) {
    this.seriesId = seriesId;
    this.runId = runId;
    this.start = start;
    this.end = start;
    this.#pendingEnd = start;
    this.#counters = counters;
  }

  /**
   * Takes committed points (sealed at the next tick). Points already held are skipped; a delta
   * that starts after what is held (points published before this feed existed and missed) drops
   * everything held and starts over there: connections read the gap from the store.
   */
  append(delta: SeriesDelta): void {
    const end = delta.from + delta.value.length;
    if (end <= this.#pendingEnd) return;
    if (delta.from > this.#pendingEnd) {
      this.#pending = [];
      this.runs.length = 0;
      this.points = 0;
      this.start = delta.from;
      this.end = delta.from;
      this.#pendingEnd = delta.from;
    }
    if (this.#pending.length === 0) this.#pendingSince = performance.now();
    this.#pending.push(delta.from < this.#pendingEnd ? sliceDelta(delta, this.#pendingEnd - delta.from) : delta);
    this.#pendingEnd = end;
  }

  /** Turns what is pending into runs; returns them (empty when nothing was pending). */
  seal(): EncodedDelta[] {
    if (this.#pending.length === 0) return [];
    const sealed = splitDelta(concat(this.#pending), this.#counters);
    for (const run of sealed) run.publishedAt = this.#pendingSince;
    this.#pending = [];
    this.runs.push(...sealed);
    this.points += this.#pendingEnd - this.end;
    this.end = this.#pendingEnd;
    return sealed;
  }

  /** The run holding point number `n`, if it is held. */
  runAt(n: number): EncodedDelta | undefined {
    return n >= this.start ? runAt(this.runs, n) : undefined;
  }

  /** Whether `run` is still held. */
  holds(run: EncodedDelta): boolean {
    return run.from >= this.start && run.end <= this.end;
  }

  /** Drops everything held (the feed is no longer followed). */
  clear(): void {
    this.runs.length = 0;
    this.points = 0;
    this.#pending = [];
    this.start = this.end;
  }

  /** Drops the oldest run if it is `run`; returns whether it did. */
  evict(run: EncodedDelta): boolean {
    if (this.runs[0] !== run) return false;
    this.runs.shift();
    this.points -= run.end - run.from;
    this.start = this.runs[0]?.from ?? this.end;
    return true;
  }
}
