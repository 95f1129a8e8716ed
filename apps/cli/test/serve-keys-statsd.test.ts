import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '@trainscope/core';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, spawnCli, tempDir } from './helpers.js';

function waitFor(stream: NodeJS.ReadableStream | null, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve) => {
    let text = '';
    stream?.on('data', (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) resolve(m);
    });
  });
}

describe('trainscope serve and keys', () => {
  it('serves the API, requires a key once one exists, and refuses a revoked key at once', async () => {
    const dir = tempDir();
    const { child, done } = spawnCli(['--dir', dir, 'serve', '--port', '0']);
    const [, url] = (await waitFor(child.stderr, /serving .* at (http:\/\/\S+)/)) as RegExpMatchArray;
    expect((await fetch(`${url}/api/v1/runs`)).status).toBe(200);
    // the dashboard page (apps/web's build) and its assets, on the API's origin
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html);
    expect(script).not.toBeNull();
    expect((await fetch(`${url}/${script?.[1]}`)).status).toBe(200);
    const created = await runCli(['--dir', dir, 'keys', 'create', 'ci', '--json']);
    expect(created.code).toBe(0);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key.length).toBeGreaterThan(20);
    const listed = await runCli(['--dir', dir, 'keys', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id, name: 'ci' }]);
    expect(listed.stdout).not.toContain(key);
    expect((await fetch(`${url}/api/v1/runs`)).status).toBe(401);
    expect((await fetch(`${url}/`)).status).toBe(200); // the page asks for the key itself
    expect((await fetch(`${url}/api/v1/runs`, { headers: { authorization: `Api-Key ${key}` } })).status).toBe(200);
    expect((await runCli(['--dir', dir, 'keys', 'create', 'other'])).code).toBe(0);
    expect((await runCli(['--dir', dir, 'keys', 'revoke', 'ci'])).code).toBe(0);
    expect((await fetch(`${url}/api/v1/runs`, { headers: { authorization: `Api-Key ${key}` } })).status).toBe(401);
    expect((await runCli(['--dir', dir, 'keys', 'revoke', 'ci'])).code).toBe(1);
    expect((await runCli(['--dir', dir, 'keys', 'create', 'bad name'])).code).toBe(2);
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });
});

describe('--open', () => {
  it('opens the dashboard of the run, and the server page for serve, in the browser named by TRAINSCOPE_BROWSER', async () => {
    const dir = tempDir();
    const opened = join(dir, 'opened.txt');
    const env = { TRAINSCOPE_BROWSER: fixture('record-browser.sh'), TRAINSCOPE_TEST_OPENED: opened };
    const ran = await runCli(['--dir', dir, 'run', '--open', '--', process.execPath, '-e', '1'], env);
    expect(ran.code).toBe(0);
    const [, runUrl] = /dashboard (\S+)/.exec(ran.stderr) as RegExpExecArray;
    const { child, done } = spawnCli(['--dir', dir, 'serve', '--port', '0', '--open'], env);
    const [, serveUrl] = (await waitFor(child.stderr, /serving .* at (http:\/\/\S+)/)) as RegExpMatchArray;
    for (let i = 0; i < 100 && readLines(opened).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(readLines(opened)).toEqual([runUrl, serveUrl]);
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });

  it('still serves when no browser can be started, and says so', async () => {
    const dir = tempDir();
    const { child, done } = spawnCli(['--dir', dir, 'serve', '--port', '0', '--open'], {
      TRAINSCOPE_BROWSER: join(dir, 'no-such-browser'),
    });
    await waitFor(child.stderr, /could not open a browser/);
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });
});

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

describe('trainscope statsd', () => {
  it('collects statsd packets into a run until interrupted', async () => {
    const dir = tempDir();
    const { child, done } = spawnCli(['--dir', dir, 'statsd', '--port', '0', '--project', 'collect']);
    const [, port] = (await waitFor(child.stderr, /statsd on 127\.0\.0\.1:(\d+)/)) as RegExpMatchArray;
    const socket = createSocket('udp4');
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) =>
        socket.send('jobs:2|c\nqueue:7|g', Number(port), '127.0.0.1', () => resolve()),
      );
    }
    socket.close();
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    const store = await Store.open({ dir });
    try {
      const [run] = await store.listRuns();
      expect(run).toMatchObject({ project: 'collect', status: 'completed' });
      const series = await store.listSeries(run?.id as string);
      const jobs = series.find((s) => s.name === 'jobs') as { id: number };
      const queue = series.find((s) => s.name === 'queue') as { id: number };
      const [j, q] = await store.summaries([jobs.id, queue.id]);
      expect(j?.last).toBe(20);
      expect(q?.last).toBe(7);
    } finally {
      await store.close();
    }
  });
});
