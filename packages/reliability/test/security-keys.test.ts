import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createKey, revokeKey } from '@trainscope/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../src/cli-process.js';
import { type ServedStore, serveTempStore } from '../src/served-store.js';
import { makeTempDir } from '../src/temp-dir.js';
import { upgradeStatus } from '../src/upgrade-status.js';

let served: ServedStore;
let key: string;
beforeAll(async () => {
  served = await serveTempStore();
  key = createKey(served.store.dir, 'ci').key;
});
afterAll(async () => {
  await served.close();
});

const get = (path: string, authorization?: string) =>
  fetch(`${served.url}${path}`, authorization === undefined ? {} : { headers: { authorization } });

describe('API keys', () => {
  it('the key file holds a salted hash, never the key or its secret part', () => {
    const text = readFileSync(`${served.store.dir}/keys.json`, 'utf8');
    const secret = key.split('_').slice(2).join('_');
    expect(text).not.toContain(secret);
    expect(text).toMatch(/"hash": "[0-9a-f]{64}"/);
    expect(text).toMatch(/"salt": "[0-9a-f]{32}"/);
  });

  const refused: [string, string | undefined][] = [
    ['missing', undefined],
    ['empty', ''],
    ['wrong scheme', 'Bearer KEY'],
    ['malformed', 'Api-Key tsk_zz'],
    ['right id, wrong secret', 'Api-Key WRONG_SECRET'],
    ['unknown id', 'Api-Key tsk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['key with trailing junk', 'Api-Key KEY x'],
    ['very long', `Api-Key ${'a'.repeat(8000)}`],
  ];
  const fill = (header: string | undefined) =>
    header
      ?.replace('WRONG_SECRET', `${key.slice(0, 13)}${key.at(13) === 'A' ? 'B' : 'A'}${key.slice(14)}`)
      .replace('KEY', key);

  it.each(refused)('REST refuses a %s key with 401 and counts it', async (_case, header) => {
    const before = served.server.stats().rejections['unauthorized'] ?? 0;
    expect((await get('/api/v1/runs', fill(header))).status).toBe(401);
    expect(served.server.stats().rejections['unauthorized']).toBe(before + 1);
  });

  it.each(refused)('WebSocket refuses a %s key with 401', async (_case, header) => {
    const value = fill(header);
    const status = await upgradeStatus(served.url, value === undefined ? {} : { authorization: value });
    expect([401, 0]).toContain(status);
  });

  it('a raw request with a NUL in the Authorization header is refused (clients cannot even send one)', async () => {
    for (const bad of [`Api-Key ${key}\u0000`, `Api-Key \u0000${key}`]) {
      const { port } = new URL(served.url);
      const reply = await new Promise<string>((resolve) => {
        let text = '';
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(`GET /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: ${bad}\r\nConnection: close\r\n\r\n`);
        });
        socket.on('data', (d: Buffer) => {
          text += d.toString();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(reply).toMatch(/^HTTP\/1\.1 (400|401)/);
    }
  });

  it('a valid key works on REST and WebSocket (header or subprotocol); revoking it takes effect on the next request', async () => {
    const own = createKey(served.store.dir, 'to-revoke');
    expect((await get('/api/v1/runs', `Api-Key ${own.key}`)).status).toBe(200);
    expect(await upgradeStatus(served.url, { authorization: `Api-Key ${own.key}` })).toBe(101);
    expect(revokeKey(served.store.dir, own.id)).toBe(1);
    expect((await get('/api/v1/runs', `Api-Key ${own.key}`)).status).toBe(401);
    expect(await upgradeStatus(served.url, { authorization: `Api-Key ${own.key}` })).toBe(401);
    expect((await get('/api/v1/runs', `Api-Key ${key}`)).status).toBe(200);
  });

  it('keys never reach the terminal or the store: `trainscope serve` output and the database hold no key sent to it', async () => {
    const dir = makeTempDir('keys-log');
    try {
      const made = createKey(dir.path, 'ops');
      const child = spawn(process.execPath, [CLI_BIN, '--dir', dir.path, 'serve', '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const url = await new Promise<string>((resolve) => {
        const take = (d: Buffer) => {
          output += d.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (m?.[1]) resolve(m[1]);
        };
        child.stdout.on('data', take);
        child.stderr.on('data', take);
      });
      const wrong = `${made.key.slice(0, -1)}${made.key.endsWith('A') ? 'B' : 'A'}`;
      for (const k of [made.key, wrong]) {
        await fetch(`${url}/api/v1/runs`, { headers: { authorization: `Api-Key ${k}` } });
        await fetch(`${url}/api/v1/nope?key=${k}`, { headers: { authorization: `Api-Key ${k}` } });
        await upgradeStatus(url, { authorization: `Api-Key ${k}` });
      }
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await closed;
      const secret = made.key.slice(14);
      expect(output).not.toContain(secret);
      for (const file of readdirSync(dir.path)) {
        if (file === 'keys.json') continue;
        expect(readFileSync(`${dir.path}/${file}`).includes(secret.slice(0, 20))).toBe(false);
      }
    } finally {
      dir.remove();
    }
  }, 60_000);
});
