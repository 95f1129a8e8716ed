import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '@trainscope/core';
import { createKey, createServer, type TrainscopeServer } from '@trainscope/server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Seeded, seed } from './seed.js';
import { type PageServer, servePage } from './serve-page.js';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const artifacts = join(webRoot, 'test-artifacts');

let dir: string;
let store: Store;
let seeded: Seeded;
let key: string;
let api: TrainscopeServer;
let otherOrigin: PageServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trainscope-web-'));
  const dist = join(dir, 'dist');
  await build({
    root: webRoot,
    configFile: join(webRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: dist, emptyOutDir: true },
  });
  store = await Store.open({ dir: join(dir, 'store'), flushIntervalMs: 20 });
  seeded = await seed(store);
  // With a key in the store the server asks every request for one.
  key = createKey(store.dir, 'web-test').key;
  otherOrigin = await servePage(dist);
  // The page on the API's own origin, served by the server itself (as `trainscope serve` does).
  api = await createServer({ store, advertise: false, corsOrigins: [otherOrigin.url], staticDir: dist });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await otherOrigin?.close();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  return context.newPage();
}

/** A page of the app on the server's own origin, with the key kept from an earlier `?key=`. */
async function signedIn(hash: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${api.url}/?key=${key}#/`);
  await page.getByRole('link', { name: seeded.project }).waitFor();
  await page.goto(`${api.url}/${hash}`);
  return page;
}

/** Waits until the run dashboard's chart of a series has drawn `n` points. */
async function dashboardDrew(page: Page, seriesId: number, n: number): Promise<void> {
  await page.waitForFunction(
    ([id, count]) => {
      const d = document.querySelector('ts-run-dashboard');
      const charts = [...(d?.shadowRoot?.querySelectorAll('ts-chart') ?? [])] as (Element & {
        plot: unknown;
        pointCounts: Record<string, number>;
      })[];
      return charts.some((c) => c.plot && c.pointCounts[String(id)] === count);
    },
    [seriesId, n] as const,
  );
}

describe('apps/web served with its API on one origin', () => {
  it('asks for an API key, keeps the one given as ?key=, and takes it out of the address bar', async () => {
    const page = await newPage();
    await page.goto(`${api.url}/#/`);
    await expect(page.getByRole('button', { name: 'Use key' }).isVisible()).resolves.toBe(true);
    await page.goto(`${api.url}/?key=${encodeURIComponent(key)}#/project/${seeded.project}`);
    await page.locator('ts-run-table tbody tr').nth(1).waitFor();
    expect(page.url()).not.toContain('key=');
    expect(page.url()).toContain(`#/project/${seeded.project}`);
    // A later visit, with no key in the URL, still reads.
    await page.goto(`${api.url}/#/`);
    await page.getByRole('link', { name: seeded.project }).waitFor();
    expect(await page.locator('ul.projects li').textContent()).toContain('2 runs');
  });

  it('goes from projects to the run table, a run dashboard and a comparison, each page a deep link', async () => {
    const page = await signedIn('#/');
    await page.getByRole('link', { name: seeded.project }).click();
    expect(new URL(page.url()).hash).toBe(`#/project/${seeded.project}`);
    const rows = page.locator('ts-run-table tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    // The summary column shows each run's last train/loss.
    const doneRow = page.locator(`ts-run-table tr[data-run="${seeded.done.id}"]`);
    expect(Number(await doneRow.locator('td.num').first().textContent())).toBeCloseTo(
      2 * Math.exp(-1999 / 500) + 0.1,
      6,
    );
    // Tick both runs and compare them.
    for (const box of await page.locator('ts-run-table tbody input[type=checkbox]').all()) await box.check();
    await page.getByRole('link', { name: 'Compare selected' }).click();
    expect(new URL(page.url()).hash).toMatch(/^#\/compare\?runs=/);
    const legend = page.locator('ts-chart .legend button');
    await legend.nth(1).waitFor();
    const labels = await legend.allTextContents();
    expect(labels.some((l) => l.includes('resnet-a: train/loss'))).toBe(true);
    expect(labels.some((l) => l.includes('resnet-b: train/loss'))).toBe(true);
    const compareLink = page.url();
    // Back to the project, open a run by its name.
    await page.goBack();
    await page.getByRole('link', { name: seeded.done.name }).click();
    expect(new URL(page.url()).hash).toBe(`#/run/${seeded.done.id}`);
    await expect(page.locator('ts-run-dashboard h2').textContent()).resolves.toBe(seeded.done.name);
    await dashboardDrew(page, seeded.done.loss, seeded.done.points);
    await page.screenshot({ path: join(artifacts, 'run-dashboard.png') });
    // The theme selector turns every component dark.
    await page.selectOption('#theme', 'dark');
    await expect(page.locator('ts-run-dashboard').getAttribute('theme')).resolves.toBe('dark');
    await page.screenshot({ path: join(artifacts, 'run-dashboard-dark.png') });
    // Deep links open the same pages in a fresh tab.
    const fresh = await signedIn(`#/run/${seeded.done.id}`);
    await expect(fresh.locator('ts-run-dashboard h2').textContent()).resolves.toBe(seeded.done.name);
    await fresh.goto(compareLink);
    await fresh.locator('ts-chart .legend button').nth(1).waitFor();
  });

  it('follows a running run live over the WebSocket of the same origin', async () => {
    const page = await signedIn(`#/run/${seeded.running.id}`);
    await dashboardDrew(page, seeded.running.loss, seeded.running.points);
    const n = 25;
    const x = Float64Array.from({ length: n }, (_, i) => seeded.running.points + i);
    store.ingestor.ingest({
      length: n,
      series: new Uint32Array(n).fill(seeded.running.loss),
      x,
      time: Float64Array.from(x, () => Date.now()),
      value: Float64Array.from(x, () => 0.05),
    });
    await dashboardDrew(page, seeded.running.loss, seeded.running.points + n);
  });
});

describe('apps/web served from another origin', () => {
  it('reads the server named by ?server=', async () => {
    const page = await newPage();
    await page.goto(`${otherOrigin.url}/?server=${encodeURIComponent(api.url)}&key=${key}#/project/${seeded.project}`);
    await page.locator('ts-run-table tbody tr').nth(1).waitFor();
    expect(page.url()).toContain('server=');
    await page.getByRole('link', { name: seeded.done.name }).click();
    await dashboardDrew(page, seeded.done.loss, seeded.done.points);
  });
});
