/**
 * The viewer in Chromium (Debian's /usr/bin/chromium through playwright-core) against a real
 * server over a real store: a dashboard of 50 charts x 4 series (first paint of the visible
 * charts), zoom (re-request + redraw of one chart), and 20 live series at 10 updates/s (draw time
 * per frame), and a dashboard of a run with 3,000 series (1,000 charts x 3 series, first paint
 * beside the 200-series one). Baselines, measured in the same page: reading the same data as raw
 * points. Quick: 50 x 4 series x 25k points (5M); full: x 500k (100M, the size).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Benchmark, type BenchRow, fmt, median, percentile } from '../lib/harness.ts';

const CHARTS = 50;
const PER_CHART = 4;
const LIVE_SERIES = 20;
const LIVE_HZ = 10;
/** The wide run: layers x metrics series, one chart per layer. */
const WIDE_LAYERS = 1000;
const WIDE_METRICS = ['weight_norm', 'grad_norm', 'update_ratio'];

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

export default {
  name: 'viewer',
  async run({ full, tmpDir }) {
    const { Store } = await import('@trainscope/core');
    const { createServer } = await import('@trainscope/server');
    const { chromium } = await import('playwright-core');
    const esbuild = await import('esbuild');
    const perSeries = full ? 500_000 : 25_000;
    const notes: string[] = [];

    // ---- store: 200 series in 50 groups, 20 live series in another run, 3,000 in a third ----
    const store = await Store.open({ dir: tmpDir, flushIntervalMs: 20 });
    const run = await store.createRun({ project: 'bench', name: 'big' });
    const liveRun = await store.createRun({ project: 'bench', name: 'live' });
    const wideRun = await store.createRun({ project: 'bench', name: 'wide' });
    await store.openRun(run.id);
    await store.openRun(liveRun.id);
    await store.openRun(wideRun.id);
    const ids: number[] = [];
    for (let g = 0; g < CHARTS; g++) {
      for (let s = 0; s < PER_CHART; s++) {
        const name = `g${String(g).padStart(2, '0')}/s${s}`;
        ids.push(store.defineSeries(run.id, { name, group: `g${String(g).padStart(2, '0')}` }).id);
      }
    }
    const liveIds = Array.from(
      { length: LIVE_SERIES },
      (_, i) => store.defineSeries(liveRun.id, { name: `live/s${i}` }).id,
    );
    const ingestStart = performance.now();
    const chunk = Math.min(perSeries, 250_000);
    for (const id of ids) {
      for (let from = 0; from < perSeries; from += chunk) {
        const n = Math.min(chunk, perSeries - from);
        const x = new Float64Array(n);
        const value = new Float64Array(n);
        const time = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const step = from + i;
          x[i] = step;
          time[i] = 1.7e12 + step * 10;
          value[i] = Math.exp(-step / perSeries) + 0.05 * Math.sin(step / 50 + id) + (step % 9973 === 0 ? 1 : 0);
        }
        // ingestAsync waits while the ingest buffer is full (the 100M-point store outruns it).
        await store.ingestor.ingestAsync({ length: n, series: new Uint32Array(n).fill(id), x, time, value });
      }
    }
    for (const id of liveIds) {
      const n = 1000;
      const x = Float64Array.from({ length: n }, (_, i) => i);
      store.ingestor.ingest({
        length: n,
        series: new Uint32Array(n).fill(id),
        x,
        time: Float64Array.from(x, (v) => Date.now() - (n - v) * 100),
        value: Float64Array.from(x, (v) => Math.sin(v / 20)),
      });
    }
    const widePerSeries = full ? 2000 : 500;
    const wideIds: number[] = [];
    for (let l = 0; l < WIDE_LAYERS; l++) {
      for (const m of WIDE_METRICS) wideIds.push(store.defineSeries(wideRun.id, { name: `layer${l}/${m}` }).id);
    }
    for (const id of wideIds) {
      const n = widePerSeries;
      const x = Float64Array.from({ length: n }, (_, i) => i);
      await store.ingestor.ingestAsync({
        length: n,
        series: new Uint32Array(n).fill(id),
        x,
        time: Float64Array.from(x, (v) => 1.7e12 + v * 1000),
        value: Float64Array.from(x, (v) => Math.cos(v / 100 + id)),
      });
    }
    await store.flush();
    const totalPoints = ids.length * perSeries + wideIds.length * widePerSeries;
    notes.push(
      `store: ${fmt(totalPoints)} points in ${ids.length + wideIds.length} series, ingested in ${fmt((performance.now() - ingestStart) / 1000)} s`,
    );

    // ---- the page: the viewer bundled for browsers, served from its own origin ----
    const bundle = await esbuild.build({
      stdin: {
        contents: "export * from '@trainscope/viewer';",
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      conditions: ['development'],
      minify: true,
      target: 'es2022',
    });
    const js = bundle.outputFiles[0]?.text ?? '';
    const html = `<!doctype html><html><body style="margin:0;width:1280px">
      <script type="module">import * as viewer from '/viewer.js'; window.viewer = viewer; window.ready = true;</script></body></html>`;
    const pageServer = createHttpServer((req, res) => {
      if (req.url === '/viewer.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    const pageUrl = await listen(pageServer);
    const api = await createServer({ store, corsOrigins: [pageUrl], advertise: false });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
      ],
    });
    const rows: BenchRow[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      // tsx keeps function names with a `__name` helper that the page lacks.
      await page.addInitScript({ content: 'window.__name = (f) => f;' });
      await page.goto(pageUrl);
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);

      // ---- 1. first paint of the visible charts of a 50-chart dashboard ----
      const paint = async (runId: string) =>
        page.evaluate(
          async ({ server, runId }) => {
            document.body.replaceChildren();
            await new Promise((r) => setTimeout(r, 50));
            const t0 = performance.now();
            const d = document.createElement('ts-run-dashboard') as HTMLElement & {
              server: string;
              run: string;
              renderedCharts: number;
            };
            const drawn = new Set<EventTarget>();
            d.addEventListener('ts-rendered', (e) => drawn.add(e.composedPath()[0] as EventTarget));
            d.server = server;
            d.run = runId;
            document.body.append(d);
            for (;;) {
              await new Promise((r) => requestAnimationFrame(r));
              if (d.renderedCharts > 0 && drawn.size >= d.renderedCharts) break;
              if (performance.now() - t0 > 60_000) throw new Error('dashboard did not draw');
            }
            const ms = performance.now() - t0;
            // Where the time went: requests before the first chart read, and the chart reads' span.
            const reads = performance
              .getEntriesByType('resource')
              .filter((e) => e.startTime >= t0 && e.name.includes('/chart?')) as PerformanceResourceTiming[];
            const firstRead = Math.min(...reads.map((e) => e.startTime)) - t0;
            const readsDone = Math.max(...reads.map((e) => e.responseEnd)) - t0;
            performance.clearResourceTimings();
            return { ms, charts: d.renderedCharts, reads: reads.length, firstRead, readsDone };
          },
          { server: api.url, runId },
        );
      const paints: number[] = [];
      const firstReads: number[] = [];
      const readsDone: number[] = [];
      let visibleCharts = 0;
      let reads = 0;
      await page.evaluate(() => performance.setResourceTimingBufferSize(10_000));
      await paint(run.id);
      for (let i = 0; i < 5; i++) {
        const r = await paint(run.id);
        paints.push(r.ms);
        firstReads.push(r.firstRead);
        readsDone.push(r.readsDone);
        visibleCharts = r.charts;
        reads = r.reads;
      }
      notes.push(
        `first paint: first of ${reads} chart requests sent at ${fmt(median(firstReads))} ms, last answered at ${fmt(median(readsDone))} ms (medians)`,
      );
      const rawChart = async () =>
        page.evaluate(
          async ({ server, series }) => {
            const t0 = performance.now();
            let cursor: string | null = null;
            let n = 0;
            do {
              const q = new URLSearchParams({ series: series.join(','), limit: '100000' });
              if (cursor) q.set('cursor', cursor);
              const body = (await (await fetch(`${server}/api/v1/points?${q}`)).json()) as {
                value: unknown[];
                next: string | null;
              };
              n += body.value.length;
              cursor = body.next;
            } while (cursor);
            return { ms: performance.now() - t0, n };
          },
          { server: api.url, series: ids.slice(0, PER_CHART) },
        );
      const raws: number[] = [];
      for (let i = 0; i < 3; i++) raws.push((await rawChart()).ms);
      const paintMs = median(paints);
      const rawMs = median(raws);
      rows.push({
        case: `dashboard first paint (${visibleCharts} visible of ${CHARTS} charts x ${PER_CHART} series)`,
        median_ms: fmt(paintMs),
        p95_ms: fmt(percentile(paints, 95)),
        baseline: `raw JSON read of 1 chart (${fmt(PER_CHART * perSeries)} pts): ${fmt(rawMs)} ms`,
        vs_baseline: fmt(paintMs / rawMs),
        target: '< 1000 ms',
      });
      const widePaints: number[] = [];
      let wideVisible = 0;
      let wideReads = 0;
      await paint(wideRun.id);
      for (let i = 0; i < 5; i++) {
        const r = await paint(wideRun.id);
        widePaints.push(r.ms);
        wideVisible = r.charts;
        wideReads = r.reads;
      }
      const widePaintMs = median(widePaints);
      rows.push({
        case: `dashboard first paint, 3,000 series (${wideVisible} visible of ${WIDE_LAYERS} charts x ${WIDE_METRICS.length} series, ${wideReads} chart request${wideReads === 1 ? '' : 's'})`,
        median_ms: fmt(widePaintMs),
        p95_ms: fmt(percentile(widePaints, 95)),
        baseline: `first paint of the 200-series dashboard: ${fmt(paintMs)} ms`,
        vs_baseline: fmt(widePaintMs / paintMs),
        target: '-',
      });
      // The zoom below works on the 200-series dashboard.
      await paint(run.id);

      // ---- 2. zoom: re-request + redraw of one 4-series chart ----
      const zoom = await page.evaluate(
        async ({ span }) => {
          const d = document.querySelector('ts-run-dashboard') as HTMLElement;
          const chart = d.shadowRoot!.querySelectorAll('ts-chart')[6] as HTMLElement & {
            setRange(a: number, b: number): void;
          };
          chart.scrollIntoView();
          const times: number[] = [];
          const draws: number[] = [];
          const instant: number[] = [];
          const sent: number[] = [];
          const answered: number[] = [];
          const drawnAt: number[] = [];
          for (let i = 0; i < 20; i++) {
            const width = span / 2 ** (1 + (i % 8));
            const start = ((i * 7919) % 97) * (span / 100);
            const done = new Promise<number>((r) =>
              chart.addEventListener(
                'ts-rendered',
                (e) => {
                  drawnAt.push(performance.now() - t0);
                  r((e as CustomEvent<{ ms: number }>).detail.ms);
                },
                { once: true },
              ),
            );
            const t0 = performance.now();
            // setScale redraws the held (coarser) buckets at once; the refined read follows.
            chart.setRange(start, Math.min(span, start + width));
            // uPlot commits a scale change in a microtask.
            await new Promise<void>((r) => queueMicrotask(r));
            instant.push(performance.now() - t0);
            draws.push(await done);
            await new Promise((r) => requestAnimationFrame(r));
            times.push(performance.now() - t0);
            // Where the time went: when the refined read was sent and when its answer was in.
            const reads = performance
              .getEntriesByType('resource')
              .filter((e) => e.startTime >= t0 && e.name.includes('/chart?')) as PerformanceResourceTiming[];
            if (reads.length > 0) {
              sent.push(Math.min(...reads.map((e) => e.startTime)) - t0);
              answered.push(Math.max(...reads.map((e) => e.responseEnd)) - t0);
            }
          }
          return { times, draws, instant, sent, answered, drawnAt };
        },
        { span: perSeries },
      );
      const zoomRaw = await page.evaluate(
        async ({ server, series, span }) => {
          const times: number[] = [];
          for (let i = 0; i < 10; i++) {
            const width = span / 2 ** (1 + (i % 8));
            const start = ((i * 7919) % 97) * (span / 100);
            const t0 = performance.now();
            const q = new URLSearchParams({
              series: series.join(','),
              start: String(start),
              end: String(start + width),
              limit: '100000',
            });
            await (await fetch(`${server}/api/v1/points?${q}`)).json();
            times.push(performance.now() - t0);
          }
          return times;
        },
        { server: api.url, series: ids.slice(6 * PER_CHART, 7 * PER_CHART), span: perSeries },
      );
      notes.push(
        `zoom: refined read sent at ${fmt(median(zoom.sent))} ms, answered at ${fmt(median(zoom.answered))} ms, drawn at ${fmt(median(zoom.drawnAt))} ms, on screen (next frame) at ${fmt(median(zoom.times))} ms (medians)`,
      );
      rows.push({
        case: 'zoom: instant redraw of held buckets at the new scale',
        median_ms: fmt(median(zoom.instant)),
        p95_ms: fmt(percentile(zoom.instant, 95)),
        baseline: '-',
        vs_baseline: '-',
        target: '-',
      });
      rows.push({
        case: 'zoom: redraw with the refined data (client side only)',
        median_ms: fmt(median(zoom.draws)),
        p95_ms: fmt(percentile(zoom.draws, 95)),
        baseline: '-',
        vs_baseline: '-',
        target: '-',
      });
      rows.push({
        case: 'zoom: re-request + redraw (1 chart, 4 series, to 1/2..1/256 of the range)',
        median_ms: fmt(median(zoom.times)),
        p95_ms: fmt(percentile(zoom.times, 95)),
        baseline: `raw JSON read of the same ranges (first 100k pts): ${fmt(median(zoomRaw))} ms`,
        vs_baseline: fmt(median(zoom.times) / median(zoomRaw)),
        target: '< 50 ms',
      });

      // ---- 3. live: 20 series at 10 updates/s ----
      await page.evaluate(
        async ({ server, series }) => {
          document.body.replaceChildren();
          const w = window as unknown as {
            viewer: { ServerSource: new (o: { url: string }) => unknown };
            frames: number[];
            stop: boolean;
          };
          const source = new w.viewer.ServerSource({ url: server });
          let pending = 0;
          w.frames = [];
          w.stop = false;
          for (const id of series) {
            const c = document.createElement('ts-chart') as HTMLElement & { source: unknown; series: string };
            c.style.cssText = 'display:inline-block;width:300px';
            c.source = source;
            c.series = String(id);
            c.setAttribute('height', '120');
            c.addEventListener('ts-rendered', (e) => {
              pending += (e as CustomEvent<{ ms: number }>).detail.ms;
            });
            document.body.append(c);
          }
          const frame = () => {
            if (pending > 0) w.frames.push(pending);
            pending = 0;
            if (!w.stop) requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
          await new Promise((r) => setTimeout(r, 1500));
          w.frames = [];
        },
        { server: api.url, series: liveIds },
      );
      const seconds = full ? 10 : 5;
      let step = 1000;
      const timer = setInterval(() => {
        const n = liveIds.length;
        const now = Date.now();
        store.ingestor.ingest({
          length: n,
          series: Uint32Array.from(liveIds),
          x: new Float64Array(n).fill(step),
          time: new Float64Array(n).fill(now),
          value: Float64Array.from(liveIds, (id) => Math.sin(step / 20 + id)),
        });
        step++;
      }, 1000 / LIVE_HZ);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      clearInterval(timer);
      await new Promise((r) => setTimeout(r, 500));
      const frames = await page.evaluate(() => {
        const w = window as unknown as { frames: number[]; stop: boolean };
        w.stop = true;
        return w.frames;
      });
      const refetch = await page.evaluate(
        async ({ server, series }) => {
          const times: number[] = [];
          for (let i = 0; i < 5; i++) {
            const t0 = performance.now();
            await Promise.all(
              series.map(async (id) =>
                (await fetch(`${server}/api/v1/series/${id}/chart?width=600&format=json`)).json(),
              ),
            );
            times.push(performance.now() - t0);
          }
          return times;
        },
        { server: api.url, series: liveIds },
      );
      rows.push({
        case: `live: ${LIVE_SERIES} series x ${LIVE_HZ} updates/s, draw time per frame (${frames.length} frames with updates)`,
        median_ms: fmt(median(frames)),
        p95_ms: fmt(percentile(frames, 95)),
        baseline: `re-reading the ${LIVE_SERIES} charts per update: ${fmt(median(refetch))} ms`,
        vs_baseline: fmt(median(frames) / median(refetch)),
        target: '< 16 ms',
      });
      notes.push(
        `first paint ${paintMs < 1000 ? 'meets' : 'misses'} 1 s; zoom ${median(zoom.times) < 50 ? 'meets' : 'misses'} 50 ms; live ${percentile(frames, 95) < 16 ? 'meets' : 'misses'} 16 ms per frame (p95)`,
      );
      if (!full) notes.push(`quick mode holds ${fmt(totalPoints)} points; --full builds the issue's 100M-point store`);
    } finally {
      await browser.close();
      await api.close();
      pageServer.close();
    }
    return { rows, notes };
  },
} satisfies Benchmark;
