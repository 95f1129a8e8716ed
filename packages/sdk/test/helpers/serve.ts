import { Store } from '@trainscope/core';
import { createServer, type TrainscopeServer } from '@trainscope/server';

/** A real server over a real store in `dir`, on loopback; `port` 0 picks a free one. */
export interface Served {
  server: TrainscopeServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Opens the store in `dir` and serves it (a restart passes the previous port). */
export async function serve(dir: string, port = 0): Promise<Served> {
  const store = await Store.open({ dir, flushIntervalMs: 20 });
  const server = await createServer({ store, port });
  return {
    server,
    url: server.url,
    port: Number(new URL(server.url).port),
    close: () => server.close(),
  };
}
