import { TrainscopeClient } from '@trainscope/client';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildServer } from '../src/child-server.js';
import { makeTempDir } from '../src/temp-dir.js';

const dir = makeTempDir('restart');
afterAll(() => dir.remove());

describe('the server is killed and restarted while a live viewer is connected', () => {
  it('the viewer reconnects and resumes: every point once, in order', async () => {
    let server = await startChildServer(dir.path);
    const port = Number(new URL(server.url).port);
    const client = new TrainscopeClient({ url: server.url });
    const run = await client.createRun({ project: 'restart' });
    const [series] = await client.defineSeries(run.id, [{ name: 'm' }]);
    const id = series?.id as number;
    const seen: number[] = [];
    let wake = () => {};
    const live = client.live({
      series: { [id]: 0 },
      onPoints: (batches) => {
        for (const b of batches) seen.push(...b.value);
        wake();
      },
      reconnectDelayMs: 50,
      maxReconnectDelayMs: 200,
    });
    const until = (n: number) =>
      new Promise<void>((resolve) => {
        wake = () => {
          if (seen.length >= n) resolve();
        };
        wake();
      });
    await live.ready();
    const send = (from: number, count: number) =>
      client.ingest({ series: new Array(count).fill(id), value: Array.from({ length: count }, (_, i) => from + i) });
    await send(0, 500);
    await until(500);
    // Commit what was sent, then kill -9 the owner and start a new one on the same store and port.
    server.child.kill('SIGKILL');
    await server.stop();
    server = await startChildServer(dir.path, 500, port);
    const held = (await client.summaries(run.id, [id]))[0]?.count ?? 0;
    await send(held, 500);
    await until(held + 500);
    live.close();
    await server.stop();
    expect(seen).toEqual(Array.from({ length: held + 500 }, (_, i) => i));
    expect(live.connections).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
