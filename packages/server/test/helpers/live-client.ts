import type { LiveDelta, LiveServerMessage } from '@trainscope/client';
import { WebSocket } from 'ws';

/** A real `ws` client that records what the live stream sends. */
export class LiveRecorder {
  readonly ws: WebSocket;
  readonly messages: LiveServerMessage[] = [];
  /** Values received per series, in order, keyed by point number (to catch gaps and doubles). */
  readonly values = new Map<number, number[]>();
  readonly errors: string[] = [];
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  readonly #base: Map<number, number>;

  /** `from`: point numbers the recorder already holds per series (a resumed subscription starts there). */
  constructor(
    url: string,
    options: { key?: string; protocols?: string[]; origin?: string; from?: Record<number, number> } = {},
  ) {
    this.#base = new Map(Object.entries(options.from ?? {}).map(([k, v]) => [Number(k), v]));
    const headers: Record<string, string> = {};
    if (options.key) headers['authorization'] = `Api-Key ${options.key}`;
    if (options.origin) headers['origin'] = options.origin;
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/live`, options.protocols ?? [], { headers });
    this.ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as LiveServerMessage;
      this.messages.push(message);
      if (message.type === 'delta') for (const d of message.deltas) this.#record(d);
      if (message.type === 'error') this.errors.push(message.error.code);
      this.#check();
    });
  }

  /** Resolves once the socket is open; rejects with the HTTP status when the upgrade is refused. */
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves when `check` holds after some message (or already holds). */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }

  count(series: number): number {
    return this.values.get(series)?.length ?? 0;
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  #record(d: LiveDelta): void {
    const list = this.values.get(d.series) ?? [];
    if (d.from !== list.length + (this.#base.get(d.series) ?? 0)) {
      throw new Error(`series ${d.series}: delta from ${d.from} but ${list.length} points held (gap or double)`);
    }
    for (const v of d.value) list.push(typeof v === 'number' ? v : Number(v));
    this.values.set(d.series, list);
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}
