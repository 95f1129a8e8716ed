import type { LiveServerMessage } from '@trainscope/client';
import type { SeriesDelta, Store, Subscription } from '@trainscope/core';
import { type WebSocket as Socket, WebSocket } from 'ws';
import { mapError } from '../error-mapping.js';
import type { RejectionTally } from '../rejection-tally.js';
import { runToWire } from '../to-wire.js';
import type { DeltaEncoder } from './delta-encoder.js';
import { parseLiveMessage } from './parse-live-message.js';

/** Settings of live connections. */
export interface LiveConnectionOptions {
  /** Bytes queued on a socket beyond which delivery pauses until the socket drains. */
  highWaterBytes: number;
  /** Points the hub buffers per connection before switching it to catch-up reads. */
  maxBufferedPoints: number;
}

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

  #send(message: LiveServerMessage | string): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(typeof message === 'string' ? message : JSON.stringify(message));
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
    if (this.#subscription) this.#subscription.add(series, parsed.runs);
    else {
      this.#subscription = this.#store.subscribe({
        series,
        runs: parsed.runs ?? [],
        maxBufferedPoints: this.#options.maxBufferedPoints,
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

  #deliver(deltas: SeriesDelta[]): void | Promise<void> {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    const message = this.#encoder.message(deltas);
    if (ws.bufferedAmount + message.length <= this.#options.highWaterBytes) {
      this.#send(message);
      return;
    }
    // Over the mark: hand this message to the socket and hold the hub until it is written out.
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
      ws.send(message, done);
      this.#peak = Math.max(this.#peak, ws.bufferedAmount);
    });
  }
}
