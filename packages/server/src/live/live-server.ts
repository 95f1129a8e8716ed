import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Store } from '@trainscope/core';
import { WebSocketServer } from 'ws';
import { type KeyRing, keyFromAuthorization } from '../keys.js';
import type { RejectionTally } from '../rejection-tally.js';
import { LiveConnection, type LiveConnectionOptions } from './live-connection.js';
import { LiveFanout } from './live-fanout.js';

/** Path of the live stream. */
export const LIVE_PATH = '/api/v1/live';
/** Subprotocol a browser names (beside `api-key.<key>`) since it cannot set headers on a WebSocket. */
export const LIVE_PROTOCOL = 'trainscope';

/** Options of `LiveServer`. */
export interface LiveServerOptions extends Omit<LiveConnectionOptions, 'connections'> {
  /** Shortest time between two sends of one series; what is published meanwhile goes as one message. */
  tickMs: number;
  /** Bytes the recent points of followed series may hold for connections to share. */
  feedBudgetBytes: number;
  store: Store;
  keys: KeyRing;
  rejections: RejectionTally;
  /** Origins allowed besides the server's own; a browser upgrade from another origin is refused. */
  allowedOrigin: (origin: string, host: string | undefined) => boolean;
  /** Largest client frame. */
  maxPayload: number;
}

/** Live stream figures (see `LiveServer.stats`). */
export interface LiveStats {
  connections: number;
  bufferedBytes: number;
  totalBufferedBytes: number;
  peakBufferedBytes: number;
  messagesEncoded: number;
  messagesSent: number;
  /** Bytes the shared feeds of recent points hold (estimated). */
  feedBytes: number;
  /** Catch-up pages read from the store. */
  catchUpReads: number;
  /** Median and 99th percentile of the delay from publish to socket write of shared feed messages, in ms. */
  sendLagP50Ms: number;
  sendLagP99Ms: number;
}

function keyFromProtocols(header: string | undefined): string | undefined {
  const entry = header
    ?.split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith('api-key.'));
  return entry?.slice('api-key.'.length);
}

function refuse(socket: Duplex, status: number, reason: string, code: string): void {
  const body = JSON.stringify({ error: { code, message: reason } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The WebSocket side of the server: authenticates upgrades and runs one LiveConnection per socket. */
export class LiveServer {
  readonly #options: LiveServerOptions;
  readonly #wss: WebSocketServer;
  readonly #fanout: LiveFanout;
  readonly #connections = new Set<LiveConnection>();

  constructor(options: LiveServerOptions) {
    this.#options = options;
    this.#fanout = new LiveFanout(options.store, { tickMs: options.tickMs, feedBudgetBytes: options.feedBudgetBytes });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload,
      handleProtocols: (protocols) => (protocols.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false),
    });
  }

  /** Handles an HTTP upgrade request; returns false when the path is not the live stream's. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (request.url ?? '').split('?')[0];
    if (path !== LIVE_PATH) return false;
    const { keys, rejections, allowedOrigin } = this.#options;
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigin(origin, request.headers.host)) {
      rejections.add('origin_not_allowed');
      refuse(socket, 403, 'Forbidden', 'origin_not_allowed');
      return true;
    }
    if (keys.enabled) {
      const key =
        keyFromAuthorization(request.headers.authorization) ??
        keyFromProtocols(request.headers['sec-websocket-protocol']);
      if (!keys.verify(key)) {
        rejections.add('unauthorized');
        refuse(socket, 401, 'Unauthorized', 'unauthorized');
        return true;
      }
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new LiveConnection(ws, this.#options.store, this.#fanout, rejections, {
        ...this.#options,
        connections: () => this.#connections.size,
      });
      this.#connections.add(connection);
      this.#fanout.open();
      ws.on('close', () => {
        this.#connections.delete(connection);
        // No one left: stop tapping the store (the ingestor then skips building deltas).
        if (this.#connections.size === 0) this.#fanout.close();
      });
    });
    return true;
  }

  /**
   * Open connections, the largest send buffer now and ever, the sum of send buffers now (shared
   * message Buffers counted once per socket, so an upper bound), and how many delta messages were
   * encoded against how many were sent.
   */
  stats(): LiveStats {
    let buffered = 0;
    let total = 0;
    let peak = 0;
    for (const c of this.#connections) {
      const s = c.stats();
      buffered = Math.max(buffered, s.bufferedAmount);
      total += s.bufferedAmount;
      peak = Math.max(peak, s.peakBufferedAmount);
    }
    return {
      connections: this.#connections.size,
      bufferedBytes: buffered,
      totalBufferedBytes: total,
      peakBufferedBytes: peak,
      messagesEncoded: this.#fanout.counters.encoded,
      messagesSent: this.#fanout.counters.served,
      feedBytes: this.#fanout.feedBytes,
      catchUpReads: this.#fanout.reader.reads,
      sendLagP50Ms: this.#fanout.sendLag.percentile(50),
      sendLagP99Ms: this.#fanout.sendLag.percentile(99),
    };
  }

  /** Closes every socket. */
  close(): void {
    for (const c of this.#connections) c.close();
    this.#fanout.close();
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }
}
