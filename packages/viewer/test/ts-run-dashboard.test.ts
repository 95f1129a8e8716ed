import { afterEach, describe, expect, inject, it } from 'vitest';
import { page } from 'vitest/browser';
import '../src/index.js';
import type { TsChart, TsRunDashboard } from '../src/index.js';
import { apiCall, until } from './helpers.js';

const server = inject('server');
const seeded = inject('seeded');

afterEach(() => {
  document.body.replaceChildren();
  document.body.style.background = '';
});

function mountDashboard(theme: 'light' | 'dark'): Promise<TsRunDashboard> {
  const el = document.createElement('ts-run-dashboard');
  el.setAttribute('theme', theme);
  el.server = server;
  el.run = seeded.runA;
  el.style.width = '980px';
  const loaded = new Promise<TsRunDashboard>((resolve) => el.addEventListener('ts-loaded', () => resolve(el)));
  document.body.append(el);
  return loaded;
}

function charts(el: TsRunDashboard): TsChart[] {
  return [...el.shadowRoot!.querySelectorAll('ts-chart')];
}

describe('<ts-run-dashboard> against a real server', () => {
  it('shows a run end to end: status, params, system and training charts, log tail', async () => {
    const el = await mountDashboard('light');
    await el.updateComplete;
    const root = el.shadowRoot!;
    expect(root.querySelector('h2')!.textContent).toBe('resnet-a');
    expect(root.querySelector('.status')!.textContent).toBe('completed');
    expect(root.querySelector('.params')!.textContent).toContain('batch_size');
    expect(root.querySelector('.params')!.textContent).toContain('128');
    expect(root.querySelector('.host')!.textContent).toContain('NVIDIA H100');
    const systemTitles = [...root.querySelectorAll('.system .slot')].map(
      (s) => s.querySelector('ts-chart')?.heading ?? s.textContent?.trim(),
    );
    expect(systemTitles).toContain('GPU 0 (fraction)');
    expect(systemTitles).toContain('GPU 0 (bytes)');
    expect(systemTitles).toContain('Disk (fraction)');
    expect(systemTitles.length).toBeGreaterThanOrEqual(5);
    const training = [...root.querySelectorAll('.training .slot')].map((s) => (s as HTMLElement).dataset['key']);
    expect(training).toEqual(['training:train', 'training:val', 'training:data']);
    expect(root.querySelector('.log')!.textContent).toContain('CUDA warning: low memory');
    // The visible charts draw; the system charts come first like FloydHub's page.
    await until(
      () =>
        charts(el).length > 0 &&
        charts(el).every((c) => c.plot !== null || c.shadowRoot?.querySelector('[role=progressbar]')),
      'charts drawn',
    );
    const headings = charts(el).map((c) => c.heading);
    expect(headings[0]).toBe('CPU (%)');
    // A theme set on the dashboard reaches its charts, and back.
    el.theme = 'dark';
    await until(() => charts(el).every((c) => getComputedStyle(c).backgroundColor === 'rgb(13, 17, 23)'), 'dark');
    el.theme = 'light';
    await until(() => charts(el).every((c) => getComputedStyle(c).backgroundColor === 'rgb(255, 255, 255)'), 'light');
    await new Promise((r) => setTimeout(r, 300));
    await page.screenshot({ path: '../test-artifacts/dashboard-light.png' });
  });

  it('renders charts only once they are scrolled near the viewport', async () => {
    const el = await mountDashboard('dark');
    document.body.style.background = '#0d1117';
    await el.updateComplete;
    await until(() => el.renderedCharts > 0, 'first charts');
    const slots = el.shadowRoot!.querySelectorAll('.slot').length;
    const before = el.renderedCharts;
    expect(before).toBeLessThan(slots);
    const last = [...el.shadowRoot!.querySelectorAll('.slot')].at(-1) as HTMLElement;
    last.scrollIntoView();
    await until(() => el.renderedCharts > before, 'charts after scrolling');
    const progress = [...el.shadowRoot!.querySelectorAll('ts-chart')].find((c) => c.heading === 'data');
    await until(() => progress?.shadowRoot?.querySelector('[role=progressbar]') !== null, 'progress bar');
    expect(progress!.shadowRoot!.querySelector('[role=progressbar]')!.getAttribute('aria-valuenow')).toBe('0.9');
    window.scrollTo(0, 0);
    await new Promise((r) => setTimeout(r, 300));
    await page.screenshot({ path: '../test-artifacts/dashboard-dark.png' });
  });

  it('follows a running run: new points in its charts, new metrics, log lines, and its end', async () => {
    const call = (method: string, path: string, body: unknown) => apiCall(server, method, path, body);
    const run = (await call('POST', '/runs', { project: 'live-dashboard', name: 'live-run' })) as { id: string };
    const define = async (name: string) =>
      ((await call('POST', `/runs/${run.id}/series`, { series: [{ name }] })) as { series: { id: number }[] })
        .series[0]!.id;
    const loss = await define('train/loss');
    await call('POST', '/ingest/points', { series: [loss, loss], x: [0, 1], value: [1, 0.5] });
    const el = document.createElement('ts-run-dashboard');
    el.server = server;
    el.run = run.id;
    el.refreshMs = 100;
    el.style.width = '980px';
    document.body.append(el);
    await until(() => charts(el).some((c) => c.pointCounts[String(loss)] === 2), 'first chart');
    const root = el.shadowRoot!;
    expect(root.querySelector('.status')!.textContent).toBe('running');
    // Points arrive over the chart's live socket; a new metric and log lines on the next polls.
    await call('POST', '/ingest/points', { series: [loss], x: [2], value: [0.25] });
    const acc = await define('val/accuracy');
    await call('POST', '/ingest/points', { series: [acc], x: [0], value: [0.9] });
    await call('POST', `/runs/${run.id}/logs`, { lines: [{ text: 'epoch 1 done' }] });
    await until(() => charts(el).some((c) => c.pointCounts[String(loss)] === 3), 'live point');
    await until(() => root.querySelector('.log')!.textContent!.includes('epoch 1 done'), 'log line');
    await until(
      () =>
        [...root.querySelectorAll('.training .slot')].some((s) => (s as HTMLElement).dataset['key'] === 'training:val'),
      'new metric',
    );
    await call('PATCH', `/runs/${run.id}`, { status: 'completed', exit_code: 0, ended_at: Date.now() });
    await until(() => root.querySelector('.status')!.textContent === 'completed', 'run end');
    await until(() => root.textContent!.includes('exit code'), 'exit code');
  });

  it('opens a run of 3,000 series with charts only near the viewport and one chart read per chart at most', async () => {
    const call = (method: string, path: string, body: unknown) => apiCall(server, method, path, body);
    const run = (await call('POST', '/runs', { project: 'wide-run', name: 'layers' })) as { id: string };
    const layers = 1000;
    const metrics = ['weight_norm', 'grad_norm', 'update_ratio'];
    const defs = Array.from({ length: layers * metrics.length }, (_, i) => ({
      name: `layer${Math.floor(i / metrics.length)}/${metrics[i % metrics.length]}`,
    }));
    const ids = (
      (await call('POST', `/runs/${run.id}/series`, { series: defs })) as { series: { id: number }[] }
    ).series.map((s) => s.id);
    expect(ids.length).toBe(3000);
    const perSeries = 4;
    const points = { series: [] as number[], x: [] as number[], value: [] as number[] };
    for (const [k, id] of ids.entries()) {
      for (let x = 0; x < perSeries; x++) {
        points.series.push(id);
        points.x.push(x);
        points.value.push(k + x);
      }
    }
    await call('POST', '/ingest/points', points);
    const last = ids.at(-1) as number;
    for (let i = 0; i < 100; i++) {
      const summaries = (await (await fetch(`${server}/api/v1/runs/${run.id}/summaries?series=${last}`)).json()) as {
        summaries: { count: number }[];
      };
      if (summaries.summaries[0]?.count === perSeries) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    performance.setResourceTimingBufferSize(100_000);
    performance.clearResourceTimings();
    const el = document.createElement('ts-run-dashboard');
    el.server = server;
    el.run = run.id;
    el.style.width = '980px';
    document.body.append(el);
    const root = () => el.shadowRoot!;
    const drawn = () =>
      charts(el).filter((c) => c.plot !== null && c.shadowRoot!.querySelector('.plot canvas') !== null);
    /** Series ids each chart read asked for, one entry per request. */
    const reads = () =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .map((e) => new URL(e.name))
        .filter((u) => u.pathname.endsWith('/chart'))
        .map((u) => (u.searchParams.get('series') ?? /\/series\/(\d+)\/chart$/.exec(u.pathname)?.[1] ?? '').split(','));
    await until(() => charts(el).length > 0 && drawn().length === charts(el).length, 'first charts drawn');
    expect(root().querySelectorAll('.training .slot').length).toBe(layers);
    const first = charts(el).length;
    // A few rows of the 1,000 charts fit the 800 px viewport; the rest are placeholders.
    expect(first).toBeLessThan(20);
    expect(root().querySelectorAll('.training .placeholder').length).toBe(layers - first);
    expect(drawn().map((c) => c.heading)).toContain('layer0');
    // Chart reads: no more requests than charts, and each series of a created chart read once.
    const shownIds = () => charts(el).flatMap((c) => (c.series ?? '').split(','));
    expect(reads().length).toBeGreaterThan(0);
    expect(reads().length).toBeLessThanOrEqual(first);
    expect(reads().flat().sort()).toEqual(shownIds().sort());
    // Scrolling to the middle brings its charts in, and still only those near the viewport.
    const middle = root().querySelector('.slot[data-key="training:layer500"]') as HTMLElement;
    middle.scrollIntoView();
    await until(() => drawn().some((c) => c.heading === 'layer500'), 'layer500 drawn');
    await until(() => drawn().length === charts(el).length, 'scrolled-to charts drawn');
    const after = charts(el).length;
    expect(after).toBeGreaterThan(first);
    expect(after).toBeLessThan(2 * 20);
    const layer500 = drawn().find((c) => c.heading === 'layer500') as TsChart;
    expect(layer500.pointCounts).toEqual(
      Object.fromEntries(ids.slice(1500, 1503).map((id) => [String(id), perSeries])),
    );
    expect(reads().length).toBeLessThanOrEqual(after);
    expect(reads().flat().sort()).toEqual(shownIds().sort());
    window.scrollTo(0, 0);
  });

  it('says what went wrong for an unknown run', async () => {
    const el = document.createElement('ts-run-dashboard');
    el.server = server;
    el.run = 'no-such-run';
    document.body.append(el);
    await until(() => el.shadowRoot?.querySelector('[role=alert]') !== null, 'error');
    expect(el.shadowRoot!.querySelector('[role=alert]')!.textContent).toContain('no-such-run');
  });
});
