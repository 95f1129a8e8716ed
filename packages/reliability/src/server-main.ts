/**
 * A store owner in a process of its own: `server-main.ts <store dir> [flushIntervalMs] [port]` opens the
 * store, serves it on loopback and writes `{"url": ..., "pid": ...}` as one line on stdout, so a
 * test can kill it, watch its memory or restart it.
 */
import { Store } from '@trainscope/core';
import { createServer } from '@trainscope/server';

const [dir = '.trainscope', flushText, portText] = process.argv.slice(2);
const store = await Store.open({ dir, ...(flushText ? { flushIntervalMs: Number(flushText) } : {}) });
const server = await createServer({ store, port: portText ? Number(portText) : 0 });
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
