import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@trainscope/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createServer } from '../src/index.js';
import { LiveRecorder } from './helpers/live-client.js';
import { api, type Started, startServer } from './helpers/start.js';

const INDEX = '<!doctype html><title>trainscope</title><script type="module" src="/assets/index-AbC123xy.js"></script>';
const ASSET = 'console.log("dashboard");';

/** A GET with the path sent byte for byte (fetch would normalise `..` away). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serving the dashboard build', () => {
  let root: string;
  let site: string;
  let s: Started;
  let key: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainscope-site-'));
    site = join(root, 'dist');
    mkdirSync(join(site, 'assets'), { recursive: true });
    writeFileSync(join(site, 'index.html'), INDEX);
    writeFileSync(join(site, 'assets', 'index-AbC123xy.js'), ASSET);
    writeFileSync(join(site, '.env'), 'SECRET=1');
    writeFileSync(join(root, 'secret.txt'), 'outside the site');
    const storeDir = join(root, 'store');
    mkdirSync(storeDir);
    key = createKey(storeDir, 'page').key;
    s = await startServer({ staticDir: site }, storeDir);
  });
  afterAll(async () => {
    await s.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('index.html at / with no-cache, hashed assets with a year-long immutable cache, both without a key', async () => {
    const page = await fetch(`${s.url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toBe(INDEX);
    const asset = await fetch(`${s.url}/assets/index-AbC123xy.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe(ASSET);
  });

  test('unknown page paths fall back to index.html; unknown files and API paths do not', async () => {
    const deep = await fetch(`${s.url}/runs/abc?key=x`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect([deep.status, deep.headers.get('cache-control'), await deep.text()]).toEqual([200, 'no-cache', INDEX]);
    const missingAsset = await api(`${s.url}/assets/nope.js`);
    expect(missingAsset.status).toBe(404);
    expect(missingAsset.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const unknownApi = await api(`${s.url}/api/v1/nope`, { key, headers: { accept: 'text/html' } });
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const post = await api(`${s.url}/runs/abc`, { method: 'POST', json: {}, headers: { accept: 'text/html' } });
    expect(post.status).toBe(404);
  });

  test('API, Baseten and WebSocket routes still need the key', async () => {
    for (const path of ['/api/v1/runs', '/api/v1/health', '/api/v1/nope', '/%61pi/v1/runs', '/api/v1/../v1/x']) {
      expect([path, (await rawGet(s.url, path)).status]).toEqual([path, 401]);
    }
    const baseten = await api(`${s.url}/v1/training_projects/p/jobs/j/metrics`, { method: 'POST', json: {} });
    expect(baseten.status).toBe(401);
    await expect(new LiveRecorder(s.url).opened()).rejects.toThrow('HTTP 401');
    const runs = await api(`${s.url}/api/v1/runs`, { key });
    expect([runs.status, runs.body]).toEqual([200, { runs: [] }]);
  });

  test('no path reaches a file outside the site, nor a dotfile inside it', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/.env',
      '/assets/%00.js',
    ]) {
      const res = await rawGet(s.url, path);
      expect([path, res.status === 200 && res.body.includes('outside the site')]).toEqual([path, false]);
      expect(res.body).not.toContain('SECRET');
      expect([path, res.status]).toEqual([path, expect.toSatisfy((n: number) => n === 400 || n === 403 || n === 404)]);
    }
  });

  test('a staticDir without index.html is refused at start', async () => {
    const store = await Store.open({ dir: join(root, 'other-store') });
    try {
      await expect(createServer({ store, staticDir: join(root, 'nowhere') })).rejects.toThrow('has no index.html');
    } finally {
      await store.close();
    }
  });
});
