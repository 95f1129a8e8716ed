import { Store } from '@trainscope/core';
import { createServer, InsecureBindError } from '@trainscope/server';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli-process.js';
import { type ServedStore, serveTempStore } from '../src/served-store.js';
import { makeTempDir } from '../src/temp-dir.js';
import { upgradeStatus } from '../src/upgrade-status.js';

const open: ServedStore[] = [];
const serve = async (...args: Parameters<typeof serveTempStore>) => {
  const s = await serveTempStore(...args);
  open.push(s);
  return s;
};
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

describe('exposure limits of the server', () => {
  it('refuses a non-loopback bind while the store has no API key (library and CLI)', async () => {
    const dir = makeTempDir('bind');
    try {
      const store = await Store.open({ dir: dir.path });
      await expect(createServer({ store, host: '0.0.0.0' })).rejects.toBeInstanceOf(InsecureBindError);
      await store.close();
      const result = await runCli(['--dir', dir.path, 'serve', '--host', '0.0.0.0', '--port', '0'], {
        cwd: dir.path,
        limitMs: 30_000,
      });
      expect(result.timedOut).toBe(false);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/key/i);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('answers CORS only for configured origins, and refuses live upgrades from other origins', async () => {
    const served = await serve({ corsOrigins: ['https://dash.example'] });
    const ask = (origin: string) => fetch(`${served.url}/api/v1/runs`, { headers: { origin } });
    expect((await ask('https://dash.example')).headers.get('access-control-allow-origin')).toBe('https://dash.example');
    for (const origin of ['https://evil.example', 'null', 'https://dash.example.evil', 'http://dash.example']) {
      expect((await ask(origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
    const preflight = await fetch(`${served.url}/api/v1/ingest/points`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(await upgradeStatus(served.url, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(served.url, { origin: 'https://dash.example' })).toBe(101);
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const served = await serve({ bodyLimit: 4096 });
    const big = JSON.stringify({ series: Array(2000).fill(served.series[0]), value: Array(2000).fill(1) });
    const response = await fetch(`${served.url}/api/v1/ingest/points`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    expect((await fetch(`${served.url}/api/v1/health`)).status).toBe(200);
  });

  it('answers 429 with retry-after past the request rate limit, and counts it', async () => {
    const served = await serve({ rateLimit: { max: 20, windowMs: 60_000 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 25; i++) {
      const r = await fetch(`${served.url}/api/v1/runs`);
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
      await r.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(served.server.stats().rejections['rate_limited']).toBe(5);
  });
});
