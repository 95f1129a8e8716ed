import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer } from '../src/child-server.js';
import { type ServedStore, serveTempStore } from '../src/served-store.js';
import { makeTempDir } from '../src/temp-dir.js';

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
  // Once known faults, fixed in packages/server (text/plain parser removed; Arrow headers checked
  // before decoding); kept as regression tests.
  it('ingest with a text/plain body is refused as 415, not a 500', async () => {
    const response = await fetch(`${served.url}/api/v1/ingest/points`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: `{"series":[${served.series[0]}],"value":[1]}`,
    });
    expect(response.status).toBe(415);
  });

  // packages/server (apache-arrow tableFromIPC): a 432-byte mutated Arrow stream takes ~25 s of
  // event loop and ~950 MiB to refuse. Memory is watched while the request runs; the test gives
  // up as soon as the server's peak grows by more than 256 MiB.
  it('a small malformed Arrow body is refused with bounded memory', async () => {
    const dir = makeTempDir('arrow-blowup');
    const server = await startChildServer(dir.path);
    try {
      const body = readFileSync(
        fileURLToPath(new URL('./fixtures/http-arrow-mutated-schema-slow.arrows', import.meta.url)),
      );
      const start = server.peakRssMiB();
      let grown = 0;
      let answered = false;
      const answer = fetch(`${server.url}/api/v1/ingest/points`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
        body,
      }).then((r) => {
        answered = true;
        return r.status;
      });
      const watch = (async () => {
        while (!answered) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          grown = server.peakRssMiB() - start;
          if (grown > 256) return 'memory';
        }
        return 'answered';
      })();
      const first = await Promise.race([answer, watch]);
      expect({ first, grown: Math.round(grown) }).toEqual({ first: 400, grown: expect.any(Number) });
      expect(grown).toBeLessThan(256);
    } finally {
      server.child.kill('SIGKILL');
      await server.stop();
      dir.remove();
    }
  });
});
