import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedStore, serveTempStore } from '../src/served-store.js';

// Faults found by fuzzing in code this package does not own (see src/known-faults.ts). Each test
// states the behaviour a user relies on; `it.fails` until the owner fixes the fault.
let served: ServedStore;
beforeAll(async () => {
  served = await serveTempStore();
});
afterAll(async () => {
  await served.close();
});

describe('known faults (owners: see each comment)', () => {
  // packages/server: a text/plain ingest body reaches batchFromJson as a string: 500 `internal`.
  it.fails('ingest with a text/plain body is refused as 415, not a 500', async () => {
    const response = await fetch(`${served.url}/api/v1/ingest/points`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `{"series":[${served.series[0]}],"value":[1]}`,
    });
    expect(response.status).toBe(415);
  });
});
