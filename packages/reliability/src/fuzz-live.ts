import fc from 'fast-check';
import { WebSocket } from 'ws';
import { hostileBytes, hostileText, mutated } from './arbitraries.js';
import { expectThat, type FuzzTarget } from './fuzz-target.js';
import type { ServedStore } from './served-store.js';

/** One generated live-socket frame. */
export type LiveInput = { text: string } | { binary: Uint8Array };

interface Reply {
  type: string;
  error?: { code: string };
}

/** A live socket that hands out replies one at a time. */
class LiveSocket {
  readonly ws: WebSocket;
  readonly #replies: Reply[] = [];
  #waiter: (() => void) | null = null;

  constructor(url: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/live`);
    this.ws.on('message', (data) => {
      const reply = JSON.parse(String(data)) as Reply;
      if (reply.type === 'delta' || reply.type === 'run') return;
      this.#replies.push(reply);
      this.#waiter?.();
    });
    this.ws.on('close', () => this.#waiter?.());
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  async next(): Promise<Reply | null> {
    while (this.#replies.length === 0) {
      if (this.ws.readyState !== WebSocket.OPEN) return null;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
      this.#waiter = null;
    }
    return this.#replies.shift() ?? null;
  }
}

/**
 * WebSocket frames against the live endpoint of a real server: every frame (hostile text,
 * mutated subscribe messages, binary) is answered with `subscribed` or an `error` carrying a code
 * the server counted; the socket stays open for the next frame.
 */
export function liveTarget(served: ServedStore): FuzzTarget<LiveInput> & { close(): void } {
  const [a = 1] = served.series;
  let socket: LiveSocket | null = null;
  const valid = fc.constantFrom(
    `{"type":"subscribe","series":{"${a}":0}}`,
    `{"type":"subscribe","runs":["${served.run.id}"]}`,
    '{"type":"subscribe","series":{"999999":0}}',
    '{"type":"subscribe","series":{"1":-1}}',
    '{"type":"unsubscribe"}',
  );
  return {
    name: 'websocket',
    arbitrary: fc.oneof(
      fc.oneof(fc.json({ maxDepth: 3 }), mutated(valid), hostileText, valid).map((text): LiveInput => ({ text })),
      hostileBytes.map((binary): LiveInput => ({ binary })),
    ),
    async check(input) {
      if (socket === null || socket.ws.readyState !== WebSocket.OPEN) {
        socket = new LiveSocket(served.url);
        await socket.opened();
      }
      const before = served.server.stats().rejections;
      socket.ws.send('text' in input ? input.text : input.binary, { binary: !('text' in input) });
      const reply = await socket.next();
      expectThat(reply !== null, 'the server closed the live socket instead of answering');
      if (reply.type === 'subscribed') return {};
      expectThat(reply.type === 'error' && typeof reply.error?.code === 'string', 'an answer of unknown type', reply);
      const code = reply.error.code;
      const after = served.server.stats().rejections;
      expectThat((after[code] ?? 0) > (before[code] ?? 0), `live refusal "${code}" was not counted`, after);
      return { [code]: 1 };
    },
    close() {
      socket?.ws.close();
    },
  };
}
