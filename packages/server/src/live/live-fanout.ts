import type { Run, SeriesDelta, Store, Subscription } from '@trainscope/core';
import { CatchUpReader } from './catch-up-reader.js';
import type { EncodeCounters, EncodedDelta } from './encoded-delta.js';
import { LagHistogram } from './lag-histogram.js';
import { SeriesFeed } from './series-feed.js';

/** What the fanout asks of a connection. */
export interface LiveFollower {
  /** Sends what this connection may send of a series now. */
  pump(seriesId: number): void;
  /** A series of a run it follows published its first points since it subscribed: follow it from 0. */
  follow(feed: SeriesFeed): void;
  /** A run it follows changed. */
  sendRun(run: Run): void;
}

/** Options of `LiveFanout`. */
export interface LiveFanoutOptions {
  /** Shortest time between two sends of one series (points published meanwhile go as one run). */
  tickMs: number;
  /** Bytes the recent points of all series may hold (columns and encoded messages, estimated). */
  feedBudgetBytes: number;
  /**
   * Milliseconds of one tick spent writing to sockets at most; connections not reached go first
   * at the next tick (coalesced), so fan-out to many sockets leaves the event loop to ingest.
   * @default half of tickMs (at least 5)
   */
  sendSliceMs?: number;
  /** Called when the store tap fails. */
  onError?(error: unknown): void;
}

/** Estimated bytes a point costs in a feed: columns (25) plus a binary (25) and a JSON (~40) message. */
const FEED_POINT_BYTES = 90;

/**
 * The server side of the live stream: one store subscription (a tap on everything published)
 * feeds one `SeriesFeed` per followed series; every tick each feed seals what arrived into a run
 * of points encoded once, and every connection following it is pumped, so the work per
 * subscriber is a socket write of a shared Buffer. A connection holds only cursors: what it has
 * not been sent stays in the feed (bounded by `feedBudgetBytes`, oldest evicted first) or in the
 * store, read back a shared page at a time, so no subscriber can grow the server's memory.
 */
export class LiveFanout {
  readonly #store: Store;
  readonly #options: LiveFanoutOptions;
  readonly counters: EncodeCounters = { encoded: 0, served: 0 };
  readonly reader: CatchUpReader;
  /** Publish -> socket write delay of every feed message sent (not of store catch-up pages). */
  readonly sendLag = new LagHistogram();
  readonly #feeds = new Map<number, SeriesFeed>();
  readonly #creating = new Map<number, Promise<SeriesFeed>>();
  /**
   * Deltas published while a feed's committed count is read: the count may come from before
   * their commit, and a feed starting there must still get them (or its followers would wait for
   * the next point to learn of the gap).
   */
  readonly #early = new Map<number, SeriesDelta[]>();
  readonly #runFollowers = new Map<string, Set<LiveFollower>>();
  readonly #dirty = new Set<SeriesFeed>();
  /** Followers to pump per series, in order; left over from a tick that ran out of time. */
  readonly #toPump = new Map<number, Set<{ pump(seriesId: number): void }>>();
  /** Sealed runs, oldest first, for eviction under the budget. */
  #sealed: [SeriesFeed, EncodedDelta][] = [];
  #sealedHead = 0;
  #compactAt = 4096;
  #bytes = 0;
  #tap: Subscription | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastTick = 0;

  constructor(store: Store, options: LiveFanoutOptions) {
    this.#store = store;
    this.#options = options;
    this.reader = new CatchUpReader(store, this.counters);
  }

  /** Bytes the feeds hold now (estimated). */
  get feedBytes(): number {
    return this.#bytes;
  }

  /** Starts tapping the store (on the first connection). */
  open(): void {
    this.#tap ??= this.#store.subscribe({
      everything: true,
      // The tap's callback returns at once; this only bounds one flush's worth.
      maxBufferedPoints: 1_000_000,
      onDelta: (deltas) => this.#onDeltas(deltas),
      onRun: (run) => {
        for (const f of this.#runFollowers.get(run.id) ?? []) f.sendRun(run);
      },
      onError: (error) => {
        this.#tap = null;
        this.#options.onError?.(error);
      },
    });
  }

  /** Stops tapping (no connection left): every feed goes. */
  close(): void {
    this.#tap?.close();
    this.#tap = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const feed of [...this.#feeds.values()]) this.#drop(feed);
    this.#sealed = [];
    this.#sealedHead = 0;
    this.#toPump.clear();
  }

  /** The feed of a series, if one is followed. */
  feed(seriesId: number): SeriesFeed | undefined {
    return this.#feeds.get(seriesId);
  }

  /** Makes `follower` follow a series (creating its feed at the committed count). */
  async attach(follower: LiveFollower, seriesId: number, runId: string): Promise<SeriesFeed> {
    let feed = this.#feeds.get(seriesId);
    if (!feed) {
      let creating = this.#creating.get(seriesId);
      if (!creating) {
        creating = this.#create(seriesId, runId);
        this.#creating.set(seriesId, creating);
        void creating.finally(() => this.#creating.delete(seriesId)).catch(() => {});
      }
      feed = await creating;
    }
    feed.followers.add(follower);
    return feed;
  }

  /** Stops `follower` following a series; the feed goes with its last follower. */
  detach(follower: LiveFollower, seriesId: number): void {
    const feed = this.#feeds.get(seriesId);
    if (!feed) return;
    feed.followers.delete(follower);
    if (feed.followers.size === 0) this.#drop(feed);
  }

  /** `follower` gets run changes, and series of the run that publish later. */
  watchRun(follower: LiveFollower, runId: string): void {
    let set = this.#runFollowers.get(runId);
    if (!set) {
      set = new Set();
      this.#runFollowers.set(runId, set);
    }
    set.add(follower);
  }

  unwatchRun(follower: LiveFollower, runId: string): void {
    const set = this.#runFollowers.get(runId);
    set?.delete(follower);
    if (set?.size === 0) this.#runFollowers.delete(runId);
  }

  async #create(seriesId: number, runId: string): Promise<SeriesFeed> {
    const early: SeriesDelta[] = [];
    this.#early.set(seriesId, early);
    let count: number;
    try {
      const [summary] = await this.#store.summaries([seriesId]);
      count = summary?.count ?? 0;
    } finally {
      this.#early.delete(seriesId);
    }
    // Created meanwhile by a published delta of a followed run.
    const existing = this.#feeds.get(seriesId);
    if (existing) return existing;
    const feed = new SeriesFeed(seriesId, runId, count, this.counters);
    this.#feeds.set(seriesId, feed);
    // Those the count already covers are skipped by `append`.
    if (early.length > 0) this.#onDeltas(early);
    return feed;
  }

  #drop(feed: SeriesFeed): void {
    if (this.#feeds.get(feed.seriesId) !== feed) return;
    this.#feeds.delete(feed.seriesId);
    this.#dirty.delete(feed);
    this.#toPump.delete(feed.seriesId);
    this.#bytes -= feed.points * FEED_POINT_BYTES;
    feed.clear();
  }

  #onDeltas(deltas: readonly SeriesDelta[]): void {
    for (const d of deltas) {
      let feed = this.#feeds.get(d.seriesId);
      if (!feed) {
        const watchers = this.#runFollowers.get(d.runId);
        if (!watchers || watchers.size === 0) {
          this.#early.get(d.seriesId)?.push(d);
          continue;
        }
        // A series of a followed run that nobody follows yet (new, most likely): from here on it
        // is in the feed; its followers read anything before `d.from` from the store.
        feed = new SeriesFeed(d.seriesId, d.runId, d.from, this.counters);
        this.#feeds.set(d.seriesId, feed);
        for (const w of watchers) w.follow(feed);
      }
      const before = feed.points;
      feed.append(d); // drops what it held if it had to start over after a gap
      this.#bytes += (feed.points - before) * FEED_POINT_BYTES;
      this.#dirty.add(feed);
    }
    if (this.#dirty.size > 0) this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || !this.#tap) return;
    const delay = Math.max(0, this.#lastTick + this.#options.tickMs - performance.now());
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  #tick(): void {
    this.#timer = null;
    this.#lastTick = performance.now();
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const feed of dirty) {
      const before = feed.points;
      for (const run of feed.seal()) this.#sealed.push([feed, run]);
      this.#bytes += (feed.points - before) * FEED_POINT_BYTES;
    }
    this.#evict();
    for (const feed of dirty) {
      let set = this.#toPump.get(feed.seriesId);
      if (!set) {
        set = new Set();
        this.#toPump.set(feed.seriesId, set);
      }
      for (const f of feed.followers) set.add(f);
    }
    this.#pumpSome();
  }

  /** Pumps queued followers until the send slice is used up; the rest wait for the next tick. */
  #pumpSome(): void {
    const slice = this.#options.sendSliceMs ?? Math.max(5, this.#options.tickMs / 2);
    const until = performance.now() + slice;
    let k = 0;
    for (const [seriesId, set] of this.#toPump) {
      for (const f of set) {
        set.delete(f);
        f.pump(seriesId);
        if (++k % 16 === 0 && performance.now() > until) {
          this.#schedule();
          return;
        }
      }
      this.#toPump.delete(seriesId);
    }
  }

  #evict(): void {
    while (this.#bytes > this.#options.feedBudgetBytes && this.#sealedHead < this.#sealed.length) {
      const [feed, run] = this.#sealed[this.#sealedHead] as [SeriesFeed, EncodedDelta];
      this.#sealedHead++;
      if (this.#feeds.get(feed.seriesId) === feed && feed.evict(run)) {
        this.#bytes -= (run.end - run.from) * FEED_POINT_BYTES;
      }
    }
    // Entries of feeds dropped or started over stay in the list until here: keep it in step.
    if (this.#sealed.length - this.#sealedHead > this.#compactAt) {
      this.#sealed = this.#sealed
        .slice(this.#sealedHead)
        .filter(([feed, run]) => this.#feeds.get(feed.seriesId) === feed && feed.holds(run));
      this.#sealedHead = 0;
      this.#compactAt = Math.max(4096, 2 * this.#sealed.length);
    }
  }
}
