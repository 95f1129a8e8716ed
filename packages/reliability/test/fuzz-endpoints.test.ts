import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTarget } from '../src/fuzz-http.js';
import { liveTarget } from '../src/fuzz-live.js';
import { assertTarget } from '../src/run-property.js';
import { type ServedStore, serveTempStore } from '../src/served-store.js';

let served: ServedStore;
beforeAll(async () => {
  served = await serveTempStore();
});
afterAll(async () => {
  await served.close();
});

describe('fuzzing the endpoints of a real server with a fixed seed', () => {
  it('HTTP bodies (JSON, Arrow IPC) and query strings: 2xx or counted 4xx, valid batches stored exactly', async () => {
    await assertTarget(httpTarget(served), 120);
    const health = await fetch(`${served.url}/api/v1/health`);
    expect(health.status).toBe(200);
  });

  it('WebSocket frames: each answered with subscribed or a counted error, the socket stays open', async () => {
    const target = liveTarget(served);
    try {
      await assertTarget(target, 300);
    } finally {
      target.close();
    }
  });
});
