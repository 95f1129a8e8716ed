import type { LiveServerMessage } from '@trainscope/client';
import type { SeriesDelta, Store, Subscription } from '@trainscope/core';
import { type WebSocket as Socket, WebSocket } from 'ws';
import { mapError } from '../error-mapping.js';
import type { RejectionTally } from '../rejection-tally.js';
import { runToWire } from '../to-wire.js';
import type { DeltaEncoder, LiveEncoding } from './delta-encoder.js';
import { parseLiveMessage } from './parse-live-message.js';

/** Settings of live connections. */
export interface LiveConnectionOptions {
  /** Bytes queued on a socket beyond which delivery pauses until the socket drains. */
  highWaterBytes: number;
  /** Points the hub buffers per connection before switching it to catch-up reads. */
  maxBufferedPoints: number;
  /**
   * Bytes all connections together may queue and buffer for slow clients: each connection's
   * share (budget / connections) caps its high-water mark and its hub buffer (at 32 bytes a
   * point), so a thousand slow sockets cannot hold a thousand full buffers.
   */
  memoryBudgetBytes: number;
  /** Open connections now (the budget is shared among them). */
  connections(): number;
}

/** Smallest per-connection share: below it a socket could not carry one ordinary message. */
const MIN_SHARE = 64 * 1024;
/** Bytes a buffered point costs in the hub (x, time, value, flags) and on the wire, roughly. */
const POINT_BYTES = 32;

/** Figures about one connection's send buffer. */
export interface LiveConnectionStats {
  bufferedAmount: number;
  peakBufferedAmount: number;
}

/**
 * One WebSocket subscriber: turns its subscribe messages into a store subscription and sends
 * deltas and run changes. Delivery waits (the hub then coalesces, then reads from the store)
 * while the socket holds more than `highWaterBytes`, so a client that stops reading costs a
 * bounded amount of memory.
 */
export class LiveConnection {
  readonly #ws: Socket;
  readonly #store: Store;
  readonly #encoder: DeltaEncoder;
  readonly #rejections: RejectionTally;
  readonly #options: LiveConnectionOptions;
  #subscription: Subscription | null = null;
  #waiters = new Set<() => void>();
  #peak = 0;
  #queue: Promise<void> = Promise.resolve();
  #encoding: LiveEncoding = 'json';

  constructor(
    ws: Socket,
    store: Store,
    encoder: DeltaEncoder,
    rejections: RejectionTally,
    options: LiveConnectionOptions,
  ) {
    this.#ws = ws;
    this.#store = store;
    this.#encoder = encoder;
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

  /** Ends the subscription and releases any paused delivery. */
  close(): void {
    this.#subscription?.close();
    this.#subscription = null;
    for (const resolve of this.#waiters) resolve();
    this.#waiters.clear();
  }

  #send(message: LiveServerMessage): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(JSON.stringify(message));
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
    const series: Record<number, number> = {};
    try {
      for (const [id, cursor] of Object.entries(parsed.series ?? {})) {
        await this.#store.getSeries(Number(id));
        series[Number(id)] = cursor;
      }
      for (const run of parsed.runs ?? []) await this.#store.getRun(run);
    } catch (error) {
      const { body } = mapError(error);
      this.#reject(body.error.code, body.error.message);
      return;
    }
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    if (parsed.encoding) this.#encoding = parsed.encoding;
    if (this.#subscription) this.#subscription.add(series, parsed.runs);
    else {
      this.#subscription = this.#store.subscribe({
        series,
        runs: parsed.runs ?? [],
        maxBufferedPoints: Math.max(
          MIN_SHARE / POINT_BYTES,
          Math.min(this.#options.maxBufferedPoints, Math.floor(this.#share() / POINT_BYTES)),
        ),
        onDelta: (deltas) => this.#deliver(deltas),
        onRun: (run) => this.#send({ type: 'run', run: runToWire(run) }),
        onError: (error) => {
          const { body } = mapError(error);
          this.#reject(body.error.code, body.error.message);
        },
      });
    }
    this.#send({
      type: 'subscribed',
      series: Object.fromEntries(Object.entries(series).map(([k, v]) => [k, v])),
      runs: parsed.runs ?? [],
    });
  }

  /** This connection's part of the memory budget. */
  #share(): number {
    const { memoryBudgetBytes, connections } = this.#options;
    return Math.max(MIN_SHARE, Math.floor(memoryBudgetBytes / Math.max(1, connections())));
  }

  #deliver(deltas: SeriesDelta[]): void | Promise<void> {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    // Buffers shared by every connection that gets these same deltas; ws frames them uncopied.
    const messages = this.#encoder.messages(deltas, this.#encoding);
    if (messages.length === 1) return this.#sendDelta(messages[0] as Buffer);
    return (async () => {
      for (const message of messages) await this.#sendDelta(message);
    })();
  }

  /** Sends one delta message; while the socket holds more than its mark, waits until it is written out. */
  #sendDelta(message: Buffer): void | Promise<void> {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    const binary = this.#encoding === 'binary';
    const highWater = Math.min(this.#options.highWaterBytes, this.#share());
    if (ws.bufferedAmount + message.length <= highWater) {
      ws.send(message, { binary });
      this.#peak = Math.max(this.#peak, ws.bufferedAmount);
      return;
    }
    // Over the mark: hold the hub until this message is written out. Meanwhile the hub
    // coalesces this connection's deltas, then reads them from the store.
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
      ws.send(message, { binary }, done);
      this.#peak = Math.max(this.#peak, ws.bufferedAmount);
    });
  }
}
