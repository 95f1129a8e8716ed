import type { Run } from '../model.js';

/** New points of one series, contiguous from point number `from` (n of the first point). */
export interface SeriesDelta {
  seriesId: number;
  runId: string;
  from: number;
  x: Float64Array;
  /** 1 where x was given by the source, 0 where the store numbered the point. */
  xGiven: Uint8Array;
  time: Float64Array;
  value: Float64Array;
}

/** What a subscriber names: series with the cursor (next point number) it wants, and/or whole runs. */
export interface SubscribeOptions {
  /** Series id to cursor: the number of points the subscriber already has (0 = from the start). */
  series?: Record<number, number>;
  /** Runs whose every series (present and future) is wanted from its start, unless in `series`. */
  runs?: string[];
  /**
   * Called with the deltas since the last call (several per series when it fell behind, in order);
   * the next call waits until the promise it returns settles.
   */
  onDelta(deltas: SeriesDelta[]): void | Promise<void>;
  /** Called when a subscribed run changes (status, end). */
  onRun?(run: Run): void;
  /** Called when the subscriber's callback throws; the subscription ends. */
  onError?(error: unknown): void;
  /**
   * Points buffered for this subscriber before it is switched to catch-up mode (buffer dropped,
   * later read from the store from its cursor), so a slow consumer never grows memory without bound.
   * @default 200000
   */
  maxBufferedPoints?: number;
  /**
   * Every series of every run, each from the first point published after the subscription
   * (no history), and every run change: a tap for a process that fans points out itself and keeps
   * its own cursors (the server's live stream). `series` and `runs` still add history.
   * @default false
   */
  everything?: boolean;
}

/** A live subscription. */
export interface Subscription {
  /** Current cursor per series: points delivered so far. */
  cursors(): Record<number, number>;
  /** Adds series (with cursors) or runs to the subscription. */
  add(series?: Record<number, number>, runs?: string[]): void;
  /** Ends the subscription. */
  close(): void;
  /** Resolves once everything committed so far has been delivered (for tests and flush barriers). */
  idle(): Promise<void>;
}

/** Reads committed points of a series from point number `from`, at most `limit`. */
export type ReadSince = (seriesId: number, from: number, limit: number) => Promise<SeriesDelta | null>;
/** Lists the series ids of a run and their committed counts. */
export type ListRunSeries = (runId: string) => Promise<{ id: number; count: number }[]>;

const CATCH_UP_PAGE = 100_000;

class LiveSubscription implements Subscription {
  readonly #hub: LiveHub;
  readonly #options: SubscribeOptions;
  readonly #max: number;
  readonly #everything: boolean;
  /** Cursor = next point number the subscriber wants, per series. */
  readonly #cursor = new Map<number, number>();
  readonly #runs = new Set<string>();
  #buffer: SeriesDelta[] = [];
  #buffered = 0;
  /** End (exclusive) of what is buffered per series. */
  readonly #bufferedEnd = new Map<number, number>();
  readonly #behind = new Set<number>();
  /**
   * Per series in catch-up, the greatest committed end published while it was: the store read that
   * takes a series out of catch-up must reach it, or points published during the read would be lost.
   */
  readonly #seenWhileBehind = new Map<number, number>();
  #pendingRuns: string[] = [];
  #running = false;
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(hub: LiveHub, options: SubscribeOptions) {
    this.#hub = hub;
    this.#options = options;
    this.#max = options.maxBufferedPoints ?? 200_000;
    this.#everything = options.everything ?? false;
    this.add(options.series, options.runs);
  }

  get runs(): ReadonlySet<string> {
    return this.#runs;
  }

  wants(delta: SeriesDelta): boolean {
    return this.#everything || this.#cursor.has(delta.seriesId) || this.#runs.has(delta.runId);
  }

  cursors(): Record<number, number> {
    return Object.fromEntries(this.#cursor);
  }

  add(series?: Record<number, number>, runs?: string[]): void {
    for (const [id, cursor] of Object.entries(series ?? {})) {
      const seriesId = Number(id);
      this.#cursor.set(seriesId, Math.max(0, Math.floor(cursor)));
      this.#behind.add(seriesId);
    }
    for (const run of runs ?? []) {
      if (!this.#runs.has(run)) {
        this.#runs.add(run);
        this.#pendingRuns.push(run);
      }
    }
    this.#kick();
  }

  offer(delta: SeriesDelta): void {
    if (this.#closed) return;
    const id = delta.seriesId;
    if (!this.#cursor.has(id)) this.#cursor.set(id, this.#everything ? delta.from : 0);
    const end = this.#bufferedEnd.get(id) ?? (this.#cursor.get(id) as number);
    const deltaEnd = delta.from + delta.value.length;
    if (this.#behind.has(id)) {
      if (deltaEnd > (this.#seenWhileBehind.get(id) ?? 0)) this.#seenWhileBehind.set(id, deltaEnd);
      this.#kick();
      return;
    }
    if (deltaEnd <= end) {
      this.#kick();
      return;
    }
    if (delta.from > end || this.#buffered + delta.value.length > this.#max) {
      // A gap, or too much pending: drop what is buffered for this series and read it from the
      // store later, from the cursor. Nothing is lost; it arrives coalesced.
      this.#dropSeries(id);
      this.#behind.add(id);
      this.#seenWhileBehind.set(id, deltaEnd);
      this.#kick();
      return;
    }
    const trimmed = delta.from < end ? sliceDelta(delta, end - delta.from) : delta;
    this.#buffer.push(trimmed);
    this.#buffered += trimmed.value.length;
    this.#bufferedEnd.set(id, deltaEnd);
    this.#kick();
  }

  onRun(run: Run): void {
    if (this.#everything || this.#runs.has(run.id)) this.#options.onRun?.(run);
  }

  close(): void {
    this.#closed = true;
    this.#buffer = [];
    this.#hub.remove(this);
    this.#settleIdle();
  }

  idle(): Promise<void> {
    if (!this.#running && this.#isCaughtUp()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isCaughtUp(): boolean {
    return this.#closed || (this.#buffer.length === 0 && this.#behind.size === 0 && this.#pendingRuns.length === 0);
  }

  #dropSeries(id: number): void {
    const kept = this.#buffer.filter((d) => d.seriesId !== id);
    for (const d of this.#buffer) if (d.seriesId === id) this.#buffered -= d.value.length;
    this.#buffer = kept;
    this.#bufferedEnd.delete(id);
  }

  #kick(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    queueMicrotask(() => {
      this.#loop().then(
        () => {
          this.#running = false;
          if (!this.#isCaughtUp()) this.#kick();
          else this.#settleIdle();
        },
        (error: unknown) => {
          this.#running = false;
          this.#options.onError?.(error);
          this.close();
        },
      );
    });
  }

  #settleIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  async #loop(): Promise<void> {
    while (!this.#closed) {
      if (this.#pendingRuns.length > 0) {
        const runs = this.#pendingRuns;
        this.#pendingRuns = [];
        for (const run of runs) {
          for (const { id } of await this.#hub.listRunSeries(run)) {
            if (!this.#cursor.has(id)) this.#cursor.set(id, 0);
            this.#behind.add(id);
          }
        }
        continue;
      }
      if (this.#behind.size > 0) {
        const [id] = this.#behind;
        const seriesId = id as number;
        const cursor = this.#cursor.get(seriesId) as number;
        this.#dropSeries(seriesId);
        const seenBefore = this.#seenWhileBehind.get(seriesId) ?? 0;
        const delta = await this.#hub.readSince(seriesId, cursor, CATCH_UP_PAGE);
        if (this.#closed) return;
        let reached = cursor;
        if (delta && delta.value.length > 0) {
          reached = delta.from + delta.value.length;
          // The cursor moves before the callback runs: deltas offered meanwhile are measured
          // against what this call delivers.
          this.#cursor.set(seriesId, reached);
          await this.#options.onDelta([delta]);
        }
        // Caught up when the read came back short and reached everything published (deltas are
        // published after their commit, so a read started after one was seen returns it). An empty
        // read started after the last one seen ends catch-up anyway: the series is gone (a deleted
        // run), and waiting on it would spin.
        const got = reached - cursor;
        const seen = this.#seenWhileBehind.get(seriesId) ?? 0;
        const done = got < CATCH_UP_PAGE && (reached >= seen || (got === 0 && seen === seenBefore));
        if (done) {
          this.#behind.delete(seriesId);
          this.#seenWhileBehind.delete(seriesId);
        }
        continue;
      }
      if (this.#buffer.length > 0) {
        // Everything buffered goes in one call, as the deltas it arrived in: those are the
        // objects every subscriber that keeps up gets, so a server encodes each once for all.
        const batch = this.#buffer;
        this.#buffer = [];
        this.#buffered = 0;
        this.#bufferedEnd.clear();
        for (const d of batch) this.#cursor.set(d.seriesId, d.from + d.value.length);
        await this.#options.onDelta(batch);
        continue;
      }
      return;
    }
  }
}

function sliceDelta(d: SeriesDelta, skip: number): SeriesDelta {
  return {
    seriesId: d.seriesId,
    runId: d.runId,
    from: d.from + skip,
    x: d.x.subarray(skip),
    xGiven: d.xGiven.subarray(skip),
    time: d.time.subarray(skip),
    value: d.value.subarray(skip),
  };
}

/**
 * Fans committed points out to live subscribers as append-only deltas from their cursors.
 * A subscriber that falls behind is coalesced: its buffer is bounded, and what it missed is
 * read back from the store, so it gets everything exactly once.
 */
export class LiveHub {
  readonly readSince: ReadSince;
  readonly listRunSeries: ListRunSeries;
  readonly #subs = new Set<LiveSubscription>();

  constructor(readSince: ReadSince, listRunSeries: ListRunSeries) {
    this.readSince = readSince;
    this.listRunSeries = listRunSeries;
  }

  /** Number of open subscriptions. */
  get size(): number {
    return this.#subs.size;
  }

  subscribe(options: SubscribeOptions): Subscription {
    const sub = new LiveSubscription(this, options);
    this.#subs.add(sub);
    return sub;
  }

  remove(sub: LiveSubscription): void {
    this.#subs.delete(sub);
  }

  /** Publishes committed deltas. */
  publish(deltas: readonly SeriesDelta[]): void {
    if (this.#subs.size === 0) return;
    for (const sub of this.#subs) {
      for (const d of deltas) if (sub.wants(d)) sub.offer(d);
    }
  }

  /** Publishes a run change to subscribers of that run. */
  publishRun(run: Run): void {
    for (const sub of this.#subs) sub.onRun(run);
  }

  /** Closes every subscription. */
  closeAll(): void {
    for (const sub of [...this.#subs]) sub.close();
  }
}
