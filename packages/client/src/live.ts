import { decodeLiveBinary, type LiveDeltaColumns } from './live-binary.js';
import { LiveCursors, type LivePoints } from './live-cursors.js';
import type { ApiRun, LiveDelta, LiveServerMessage } from './types.js';

/** The part of the WebSocket API the live stream uses (browsers' WebSocket and `ws` both have it). */
export interface WebSocketLike {
  readonly readyState: number;
  /** Set to 'arraybuffer' so binary messages arrive as ArrayBuffers (browsers default to Blobs). */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `WebSocket` from the `ws` package). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Options of `client.live()`. */
export interface LiveOptions {
  /** Series id to cursor (points already held; 0 = from the start). @default {} */
  series?: Record<number, number>;
  /** Runs whose every series (present and future) is wanted from its start. @default [] */
  runs?: string[];
  /** Called with new points, in order, each point exactly once. */
  onPoints(points: LivePoints[]): void;
  /** Called when a subscribed run changes (status, end). */
  onRun?(run: ApiRun): void;
  /** Called on errors the server reports and on connection loss (the stream reconnects by itself). */
  onError?(error: Error): void;
  /**
   * Wire encoding of deltas: `'json'`, `'binary'` (little-endian float64 columns; much cheaper
   * to decode at high rates), or `'packed'` (binary with step-numbered x, whole-millisecond times
   * and constant flags packed: about half the bytes of `'binary'`; needs a server that knows it).
   * Whichever, `onPoints` gets the same typed arrays. @default 'json'
   */
  encoding?: 'json' | 'binary' | 'packed';
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. @default 250 */
  reconnectDelayMs?: number;
  /** @default 5000 */
  maxReconnectDelayMs?: number;
}

const OPEN = 1;

async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  // Node 20 has no global WebSocket: use the `ws` package (an optional peer dependency).
  const name = 'ws';
  const mod = (await import(name)) as { WebSocket: WebSocketConstructor };
  return mod.WebSocket;
}

/**
 * A live subscription over `/api/v1/live`. Keeps a cursor per series; when the connection drops
 * it reconnects with backoff and subscribes again from those cursors, so nothing is lost or
 * delivered twice.
 */
export class LiveStream {
  readonly #url: string;
  readonly #apiKey: string | undefined;
  readonly #options: LiveOptions;
  readonly #cursors: LiveCursors;
  readonly #runs: Set<string>;
  #ctor: WebSocketConstructor | undefined;
  #socket: WebSocketLike | null = null;
  #closed = false;
  #delay: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #readyWaiters: (() => void)[] = [];
  #subscribed = false;
  /** Times the stream has connected (1 after the first connection). */
  connections = 0;

  constructor(url: string, apiKey: string | undefined, ctor: WebSocketConstructor | undefined, options: LiveOptions) {
    this.#url = url;
    this.#apiKey = apiKey;
    this.#ctor = ctor;
    this.#options = options;
    this.#cursors = new LiveCursors(options.series ?? {});
    this.#runs = new Set(options.runs ?? []);
    this.#delay = options.reconnectDelayMs ?? 250;
    void this.#connect();
  }

  /** Points held per series: what a later stream would resume from. */
  cursors(): Record<number, number> {
    return this.#cursors.snapshot();
  }

  /** Resolves once the server has confirmed the subscription on the current connection. */
  ready(): Promise<void> {
    if (this.#subscribed) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Follows more series (from cursors) or runs. */
  add(series: Record<number, number> = {}, runs: string[] = []): void {
    this.#cursors.add(series);
    for (const r of runs) this.#runs.add(r);
    if (this.#socket?.readyState === OPEN) {
      this.#socket.send(JSON.stringify({ type: 'subscribe', series, runs }));
    }
  }

  /** Drops the connection as if the network failed (the stream reconnects); for tests and demos. */
  interrupt(): void {
    this.#socket?.close();
  }

  /** Ends the stream for good. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket?.close();
    this.#socket = null;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#ctor ??= await defaultWebSocket();
    } catch (cause) {
      this.#options.onError?.(new Error('No WebSocket implementation: install the "ws" package.', { cause }));
      return;
    }
    const protocols = ['trainscope', ...(this.#apiKey ? [`api-key.${this.#apiKey}`] : [])];
    const socket = new this.#ctor(this.#url, protocols);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    this.#subscribed = false;
    socket.onopen = () => {
      this.connections++;
      this.#delay = this.#options.reconnectDelayMs ?? 250;
      socket.send(
        JSON.stringify({
          type: 'subscribe',
          ...this.#encoding(),
          series: this.#cursors.snapshot(),
          runs: [...this.#runs],
        }),
      );
    };
    socket.onmessage = ((event: { data: unknown }) => {
      const data = event.data;
      if (typeof data === 'string') this.#onMessage(data);
      else if (data instanceof ArrayBuffer || data instanceof Uint8Array) this.#onBinary(data);
      else this.#options.onError?.(new Error('The server sent a message of an unknown kind.'));
    }) as (e: never) => void;
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#subscribed = false;
      if (this.#closed) return;
      this.#options.onError?.(new Error('Live connection lost; reconnecting.'));
      this.#timer = setTimeout(() => void this.#connect(), this.#delay);
      this.#delay = Math.min(this.#delay * 2, this.#options.maxReconnectDelayMs ?? 5000);
    };
  }

  #encoding(): { encoding?: 'binary' | 'packed' } {
    const encoding = this.#options.encoding;
    return encoding === 'binary' || encoding === 'packed' ? { encoding } : {};
  }

  #onBinary(data: ArrayBuffer | Uint8Array): void {
    let deltas: LiveDeltaColumns[];
    try {
      deltas = decodeLiveBinary(data);
    } catch (error) {
      this.#options.onError?.(error as Error);
      return;
    }
    this.#onDeltas(deltas);
  }

  #onDeltas(deltas: readonly (LiveDeltaColumns | LiveDelta)[]): void {
    const out: LivePoints[] = [];
    try {
      for (const d of deltas) {
        const points = this.#cursors.apply(d);
        if (points) out.push(points);
      }
    } catch (error) {
      // A gap cannot be filled on this connection: reconnect from the cursors.
      this.#options.onError?.(error as Error);
      this.#socket?.close();
    }
    if (out.length > 0) this.#options.onPoints(out);
  }

  #onMessage(text: string): void {
    let message: LiveServerMessage;
    try {
      message = JSON.parse(text) as LiveServerMessage;
    } catch {
      this.#options.onError?.(new Error('The server sent a message that is not JSON.'));
      return;
    }
    switch (message.type) {
      case 'subscribed': {
        if (!this.#subscribed) {
          this.#subscribed = true;
          for (const w of this.#readyWaiters.splice(0)) w();
        }
        return;
      }
      case 'delta':
        this.#onDeltas(message.deltas);
        return;
      case 'run':
        this.#options.onRun?.(message.run);
        return;
      case 'error':
        this.#options.onError?.(new Error(`${message.error.code}: ${message.error.message}`));
        return;
    }
  }
}
