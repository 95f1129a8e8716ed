import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey } from '../src/index.js';
import { api, type Started, startServer } from './helpers/start.js';

/** POSTs `chunks` with chunked transfer encoding (no content-length), as a streaming client does. */
function postChunked(url: string, chunks: Buffer[], contentType: string): Promise<{ status: number; body: unknown }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, path: pathname, method: 'POST', headers: { 'content-type': contentType } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    // the server may answer 413 and close before every chunk is written
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
    );
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('request rate limit', () => {
  let dir: string;
  let s: Started;
  let key: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainscope-limits-'));
    key = createKey(dir, 'writer').key;
    s = await startServer({ rateLimit: { max: 5, writeMax: 3, windowMs: 60_000 } }, dir);
  });
  afterAll(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('past the limit a route answers 429 rate_limited with retry-after; other routes keep working', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await api(`${s.url}/api/v1/runs`, { key });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last?.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/retry in/) } });
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api(`${s.url}/api/v1/projects`, { key })).status).toBe(200);
    expect(s.server.stats().rejections['rate_limited']).toBe(2);
  });

  test('writes with a valid key are never limited; key guessing is', async () => {
    await api(`${s.url}/api/v1/runs`, { method: 'POST', key, json: { id: 'w', project: 'p' } });
    const def = await api(`${s.url}/api/v1/runs/w/series`, {
      method: 'POST',
      key,
      json: { series: [{ name: 'loss' }] },
    });
    const id = (def.body as { series: { id: number }[] }).series[0]?.id;
    for (let i = 0; i < 10; i++) {
      const res = await api(`${s.url}/api/v1/ingest/points`, {
        method: 'POST',
        key,
        json: { series: [id], value: [i] },
      });
      expect(res.status).toBe(200);
    }
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api(`${s.url}/api/v1/ingest/points`, {
        method: 'POST',
        key: `tsk_00000000_${String(i).repeat(43)}`,
        json: { series: [id], value: [i] },
      });
      guesses.push(res.status);
    }
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
  });

  test('rateLimit: false turns the limit off', async () => {
    const open = await startServer({ rateLimit: false });
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 50; i++) statuses.add((await api(`${open.url}/api/v1/runs`)).status);
      expect([...statuses]).toEqual([200]);
    } finally {
      await open.stop();
    }
  });
});

describe('oversized bodies get 413 on every route that takes one', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startServer({ bodyLimit: 16 * 1024 });
    await s.store.createRun({ id: 'r', project: 'p' });
  });
  afterAll(() => s.stop());

  test('JSON and Arrow bodies, with a content-length or chunked without one', async () => {
    const big = Buffer.alloc(64 * 1024, 0x20);
    const json = Buffer.concat([
      Buffer.from('{"series":[1],"value":[1],"x":['),
      Buffer.alloc(40 * 1024, '1,'.charCodeAt(0)),
      Buffer.from('1]}'),
    ]);
    const routes: [string, string, Buffer][] = [
      ['/api/v1/ingest/points', 'application/json', json],
      ['/api/v1/ingest/points', 'application/vnd.apache.arrow.stream', big],
      ['/api/v1/ingest/points', 'application/vnd.apache.arrow.file', big],
      ['/api/v1/runs', 'application/json', json],
      ['/api/v1/runs/r', 'application/json', json],
      ['/api/v1/runs/r/logs', 'application/json', json],
      ['/api/v1/runs/r/series', 'application/json', json],
      ['/v1/training_projects/p/jobs/r/metrics', 'application/json', json],
    ];
    const before = s.server.stats().rejections['body_too_large'] ?? 0;
    for (const [path, type, body] of routes) {
      const method = path === '/api/v1/runs/r' ? 'PATCH' : 'POST';
      const sized = await api(`${s.url}${path}`, { method, body, headers: { 'content-type': type } });
      expect([method, path, type, sized.status, (sized.body as { error: { code: string } }).error.code]).toEqual([
        method,
        path,
        type,
        413,
        'body_too_large',
      ]);
    }
    const chunks = Array.from({ length: 16 }, () => Buffer.alloc(4096, 0x31));
    const chunked = await postChunked(`${s.url}/api/v1/ingest/points`, chunks, 'application/vnd.apache.arrow.stream');
    expect([chunked.status, chunked.body]).toEqual([
      413,
      { error: { code: 'body_too_large', message: expect.any(String) } },
    ]);
    expect((s.server.stats().rejections['body_too_large'] ?? 0) - before).toBe(routes.length + 1);
    // the server keeps answering
    expect((await api(`${s.url}/api/v1/health`)).status).toBe(200);
  });
});
