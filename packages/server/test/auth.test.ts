import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOwner, Store } from '@trainscope/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createServer, InsecureBindError, listKeys, revokeKey } from '../src/index.js';
import { LiveRecorder } from './helpers/live-client.js';
import { api, type Started, startServer } from './helpers/start.js';

describe('API keys', () => {
  let dir: string;
  let s: Started;
  let key: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainscope-auth-'));
    key = createKey(dir, 'ci').key;
    s = await startServer({ corsOrigins: ['https://dash.example'] }, dir);
  });
  afterAll(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('keys are stored only as salted hashes', () => {
    const file = readFileSync(join(dir, 'keys.json'), 'utf8');
    // tsk_<8 hex id>_<secret>: the secret is base64url and may itself hold "_" (even lead with it)
    const [, id, secret] = /^tsk_([0-9a-f]{8})_(.+)$/.exec(key) ?? [];
    expect(secret).toHaveLength(43);
    expect(file).not.toContain(secret);
    expect(listKeys(dir)).toEqual([{ id, name: 'ci', createdAt: expect.any(Number) }]);
  });

  test('every route needs "Authorization: Api-Key <key>" once a key exists', async () => {
    const routes = [
      `${s.url}/api/v1/runs`,
      `${s.url}/api/v1/health`,
      `${s.url}/api/v1/points?series=1`,
      `${s.url}/nowhere`,
    ];
    for (const url of routes) {
      const res = await api(url);
      expect([url, res.status, res.body]).toEqual([
        url,
        401,
        { error: { code: 'unauthorized', message: expect.any(String) } },
      ]);
    }
    const baseten = await api(`${s.url}/v1/training_projects/p/jobs/j/metrics`, { method: 'POST', json: {} });
    expect(baseten.status).toBe(401);
    for (const bad of [
      `${key}x`,
      key.replace(/.$/, key.endsWith('A') ? 'B' : 'A'),
      `tsk_00000000_${'A'.repeat(43)}`,
      '',
    ]) {
      expect(
        (await api(`${s.url}/api/v1/runs`, { key: bad, headers: bad ? {} : { authorization: 'Bearer x' } })).status,
      ).toBe(401);
    }
    expect((await api(`${s.url}/api/v1/runs`, { key })).status).toBe(200);
  });

  test('WebSocket upgrades are authenticated by header or subprotocol', async () => {
    await expect(new LiveRecorder(s.url).opened()).rejects.toThrow('HTTP 401');
    const byHeader = new LiveRecorder(s.url, { key });
    await byHeader.opened();
    await byHeader.close();
    const byProtocol = new LiveRecorder(s.url, { protocols: ['trainscope', `api-key.${key}`] });
    await byProtocol.opened();
    expect(byProtocol.ws.protocol).toBe('trainscope');
    await byProtocol.close();
    await expect(new LiveRecorder(s.url, { key, origin: 'https://evil.example' }).opened()).rejects.toThrow('HTTP 403');
    const allowed = new LiveRecorder(s.url, { key, origin: 'https://dash.example' });
    await allowed.opened();
    await allowed.close();
  });

  test('CORS answers only the allow-listed origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${s.url}/api/v1/runs`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    expect((await preflight('https://dash.example')).headers.get('access-control-allow-origin')).toBe(
      'https://dash.example',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  test('a revoked key stops working at once', async () => {
    const second = createKey(dir, 'temp');
    expect((await api(`${s.url}/api/v1/runs`, { key: second.key })).status).toBe(200);
    expect(revokeKey(dir, 'temp')).toBe(1);
    expect((await api(`${s.url}/api/v1/runs`, { key: second.key })).status).toBe(401);
    expect((await api(`${s.url}/api/v1/runs`, { key })).status).toBe(200);
  });
});

describe('keys fail closed', () => {
  test('revoking every key keeps auth on: REST and WebSocket answer 401, even with the old key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainscope-revoke-all-'));
    const only = createKey(dir, 'only');
    const s = await startServer({}, dir);
    try {
      expect((await api(`${s.url}/api/v1/runs`, { key: only.key })).status).toBe(200);
      expect(revokeKey(dir, 'only')).toBe(1);
      expect(listKeys(dir)).toEqual([]);
      for (const key of [undefined, only.key]) {
        const res = await api(`${s.url}/api/v1/runs`, key ? { key } : {});
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
        await expect(new LiveRecorder(s.url, key ? { key } : {}).opened()).rejects.toThrow('HTTP 401');
      }
      const posted = await api(`${s.url}/api/v1/runs`, { method: 'POST', json: { project: 'p' } });
      expect(posted.status).toBe(401);
      expect(s.server.stats().rejections['unauthorized']).toBeGreaterThanOrEqual(5);
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a key file that cannot be parsed keeps auth on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainscope-bad-keys-'));
    writeFileSync(join(dir, 'keys.json'), '{not json');
    const s = await startServer({}, dir);
    try {
      expect((await api(`${s.url}/api/v1/runs`)).status).toBe(401);
      await expect(new LiveRecorder(s.url).opened()).rejects.toThrow('HTTP 401');
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a store whose keys are all revoked still refuses a non-loopback bind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainscope-bind-revoked-'));
    createKey(dir, 'gone');
    revokeKey(dir, 'gone');
    const store = await Store.open({ dir });
    try {
      await expect(createServer({ store, host: '0.0.0.0' })).rejects.toBeInstanceOf(InsecureBindError);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('binding', () => {
  test('refuses a non-loopback bind without keys, and advertises its URL in the owner file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainscope-bind-'));
    const store = await Store.open({ dir });
    try {
      await expect(createServer({ store, host: '0.0.0.0' })).rejects.toBeInstanceOf(InsecureBindError);
      const server = await createServer({ store });
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(readOwner(dir)?.url).toBe(server.url);
      await server.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('binds beyond loopback once a key exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainscope-bind-'));
    createKey(dir, 'remote');
    const s = await startServer({ host: '0.0.0.0' }, dir);
    try {
      expect((await api(`${s.url}/api/v1/runs`)).status).toBe(401);
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
