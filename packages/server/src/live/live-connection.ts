import type { LiveServerMessage } from '@trainscope/client';
import type { Run, Store } from '@trainscope/core';
import { type WebSocket as Socket, WebSocket } from 'ws';
import { mapError } from '../error-mapping.js';
import type { RejectionTally } from '../rejection-tally.js';
import { runToWire } from '../to-wire.js';
import type { LiveEncoding } from './encoded-delta.js';
import type { LiveFanout, LiveFollower } from './live-fanout.js';
import { parseLiveMessage } from './parse-live-message.js';
import type { SeriesFeed } from './series-feed.js';

/** Settings of live connections. */
export interface LiveConnectionOptions {
  /** Bytes queued on a socket beyond which sending to it pauses until it drains. */
  highWaterBytes: number;
  /**
   * Bytes all connections together may queue for slow clients: each connection's share
   * (budget / connections) caps its high-water mark.
   */
  memoryBudgetBytes: number;
  /** Open connections now (the budget is shared among them). */
  connections(): number;
}

/** Smallest per-connection share: below it a socket could not carry one ordinary message. */
const MIN_SHARE = 64 * 1024;
/** Wait before reading again a page that brought nothing new (points not committed yet). */
const RETRY_MS = 100;

/** Figures about one connection's send buffer. */
export interface LiveConnectionStats {
  bufferedAmount: number;
  peakBufferedAmount: number;
}

/**
 * One WebSocket subscriber. It holds a cursor per series and nothing else: on every tick it is
 * sent the feed's shared messages from its cursor on while its socket holds less than its
 * high-water mark; past the mark it is skipped (the points wait in the feed, or in the store once
 * the feed lets them go) until the socket drains, and then it catches up from its cursor, so a
 * slow client gets everything once, coalesced, and costs the server a bounded amount of memory.
 */
export class LiveConnection implements LiveFollower {
  readonly #ws: Socket;
  readonly #store: Store;
  readonly #fanout: LiveFanout;
  readonly #rejections: RejectionTally;
  readonly #options: LiveConnectionOptions;
  /** Next point number to send, per series followed. */
  readonly #cursors = new Map<number, number>();
  readonly #runs = new Set<string>();
  /** Series with a catch-up read in flight. */
  readonly #reading = new Set<number>();
  #ready = false;
  #stalled = false;
  #closed = false;
  #peak = 0;
  #queue: Promise<void> = Promise.resolve();
  #encoding: LiveEncoding = 'json';
  readonly #flushed = () => {
    if (this.#stalled && !this.#closed && this.#ws.bufferedAmount <= this.#highWater() / 2) {
      this.#stalled = false;
      for (const id of this.#cursors.keys()) this.pump(id);
    }
  };

  constructor(
    ws: Socket,
    store: Store,
    fanout: LiveFanout,
    rejections: RejectionTally,
    options: LiveConnectionOptions,
  ) {
    this.#ws = ws;
    this.#store = store;
    this.#fanout = fanout;
    this.#rejections = rejections;
    this.#options = options;
    ws.on('message', (data, isBinary) => {
      // Handle messages one at a time, in order.
      this.#queue = this.#queue.then(() => this.#onMessage(isBinary ? null : String(data)));
    });
    ws.on('close', () => this.close());
    ws.on('error', () => this.close());
  }

  /** Send-buffer figures. */
  stats(): LiveConnectionStats {
    return { bufferedAmount: this.#ws.bufferedAmount, peakBufferedAmount: this.#peak };
  }

  /** Stops following everything. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of this.#cursors.keys()) this.#fanout.detach(this, id);
    for (const run of this.#runs) this.#fanout.unwatchRun(this, run);
    this.#cursors.clear();
    this.#runs.clear();
  }

  /** Sends what it can of a series from its cursor: shared feed runs, or store pages before them. */
  pump(seriesId: number): void {
    if (!this.#ready || this.#closed || this.#reading.has(seriesId)) return;
    const feed = this.#fanout.feed(seriesId);
    let cursor = this.#cursors.get(seriesId);
    if (!feed || cursor === undefined) return;
    while (cursor < feed.end) {
      if (this.#over()) return;
      const run = feed.runAt(cursor);
      if (!run) {
        void this.#catchUp(feed, cursor);
        return;
      }
      this.#sendDelta(run.message(this.#encoding, cursor));
      this.#fanout.sendLag.record(performance.now() - run.publishedAt);
      cursor = run.end;
      this.#cursors.set(seriesId, cursor);
    }
  }

  follow(feed: SeriesFeed): void {
    if (this.#closed || this.#cursors.has(feed.seriesId)) return;
    this.#cursors.set(feed.seriesId, 0);
    void this.#attach(feed.seriesId, feed.runId).then(() => this.pump(feed.seriesId));
  }

  sendRun(run: Run): void {
    this.#send({ type: 'run', run: runToWire(run) });
  }

  /** Follows a series in the fanout (let go at once if the connection closed meanwhile). */
  async #attach(seriesId: number, runId: string): Promise<void> {
    await this.#fanout.attach(this, seriesId, runId);
    if (this.#closed) this.#fanout.detach(this, seriesId);
  }

  /** Reads the store page holding the cursor (shared with other connections) and sends from it. */
  async #catchUp(feed: SeriesFeed, cursor: number): Promise<void> {
    const id = feed.seriesId;
    this.#reading.add(id);
    let retry = false;
    try {
      const runs = await this.#fanout.reader.page(id, feed.runId, cursor);
      if (this.#closed) return;
      if (this.#cursors.get(id) !== cursor) {
        // Subscribed again meanwhile, from another cursor: send from that one.
        queueMicrotask(() => this.pump(id));
        return;
      }
      let at = cursor;
      for (const run of runs) {
        if (run.end <= at) continue;
        if (run.from > at || this.#over()) break;
        this.#sendDelta(run.message(this.#encoding, at));
        at = run.end;
      }
      this.#cursors.set(id, at);
      retry = at === cursor && !this.#stalled;
    } catch (error) {
      const { body } = mapError(error);
      this.#reject(body.error.code, body.error.message);
      return;
    } finally {
      this.#reading.delete(id);
    }
    if (retry) setTimeout(() => this.pump(id), RETRY_MS);
    else this.pump(id);
  }

  /** Whether the socket holds more than the mark (then it waits for a drain). */
  #over(): boolean {
    if (this.#ws.readyState !== WebSocket.OPEN) return true;
    if (this.#ws.bufferedAmount <= this.#highWater()) return false;
    this.#stalled = true;
    return true;
  }

  /** The high-water mark: the configured one, or this connection's share of the budget if smaller. */
  #highWater(): number {
    const { memoryBudgetBytes, connections, highWaterBytes } = this.#options;
    const share = Math.max(MIN_SHARE, Math.floor(memoryBudgetBytes / Math.max(1, connections())));
    return Math.min(highWaterBytes, share);
  }

  #sendDelta(message: Buffer): void {
    this.#ws.send(message, { binary: this.#encoding !== 'json' }, this.#flushed);
    const buffered = this.#ws.bufferedAmount;
    if (buffered > this.#peak) this.#peak = buffered;
  }

  #send(message: LiveServerMessage): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(JSON.stringify(message), this.#flushed);
    this.#peak = Math.max(this.#peak, this.#ws.bufferedAmount);
  }

  #reject(code: string, message: string): void {
    this.#rejections.add(code);
    this.#send({ type: 'error', error: { code, message } });
  }

  async #onMessage(text: string | null): Promise<void> {
    if (text === null) {
      this.#reject('invalid_message', 'Send JSON text frames, not binary ones.');
      return;
    }
    const parsed = parseLiveMessage(text);
    if ('code' in parsed) {
      this.#reject(parsed.code, parsed.message);
      return;
    }
    const series = new Map<number, { cursor: number; runId: string }>();
    try {
      for (const [id, cursor] of Object.entries(parsed.series ?? {})) {
        series.set(Number(id), { cursor, runId: (await this.#store.getSeries(Number(id))).runId });
      }
      for (const run of parsed.runs ?? []) await this.#store.getRun(run);
    } catch (error) {
      const { body } = mapError(error);
      this.#reject(body.error.code, body.error.message);
      return;
    }
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) return;
    if (parsed.encoding) this.#encoding = parsed.encoding;
    try {
      for (const run of parsed.runs ?? []) {
        // Watch first: a series of the run that publishes while its list is read is followed either way.
        this.#runs.add(run);
        this.#fanout.watchRun(this, run);
      }
      for (const [id, { cursor, runId }] of series) {
        this.#cursors.set(id, cursor);
        await this.#attach(id, runId);
      }
      for (const run of parsed.runs ?? []) {
        for (const s of await this.#store.listSeries(run)) {
          if (this.#closed) return;
          if (this.#cursors.has(s.id)) continue;
          this.#cursors.set(s.id, 0);
          await this.#attach(s.id, s.runId);
        }
      }
    } catch (error) {
      const { body } = mapError(error);
      this.#reject(body.error.code, body.error.message);
      return;
    }
    if (this.#closed) return;
    const cursors = Object.fromEntries(Array.from(series, ([id, { cursor }]) => [id, cursor]));
    this.#send({ type: 'subscribed', series: cursors, runs: parsed.runs ?? [] });
    this.#ready = true;
    for (const id of this.#cursors.keys()) this.pump(id);
  }
}
