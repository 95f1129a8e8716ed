import { afterEach, describe, expect, inject, it } from 'vitest';
import '../src/index.js';
import { ServerSource } from '../src/index.js';
import { colourNear, mountChart, rendered, rgb, toCanvas, until } from './helpers.js';

const BLUE = rgb('#0969da');
const server = inject('server');
const seeded = inject('seeded');

afterEach(() => {
  document.body.replaceChildren();
});

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${server}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
}

describe('<ts-chart> against a real server', () => {
  it('reads M4 buckets sized to its pixel width and keeps the spike of 20k points', async () => {
    const chart = mountChart((el) => {
      el.server = server;
      el.series = String(seeded.a['train/loss']);
    });
    const drawn = await rendered(chart);
    const width = chart.plot!.bbox.width;
    // About four vertices per pixel column at most, far fewer than the 20 000 points stored.
    expect(drawn).toBeLessThanOrEqual(4 * width + 8);
    expect(chart.pointCounts[String(seeded.a['train/loss'])]).toBe(seeded.steps);
    const [cx, cy] = toCanvas(chart, seeded.spikeStep, seeded.spikeValue - 1);
    expect(colourNear(chart, cx, cy, BLUE, 3)).toBe(true);
  });

  it('re-requests on zoom and refines to the raw points', async () => {
    const id = seeded.a['train/loss'] as number;
    const chart = mountChart((el) => {
      el.server = server;
      el.series = String(id);
      el.noLive = true;
    });
    await rendered(chart);
    const coarse = chart.resolution[String(id)]!;
    expect(coarse).toBeGreaterThan(0);
    const done = rendered(chart);
    chart.setRange(seeded.spikeStep - 50, seeded.spikeStep + 50);
    await done;
    expect(chart.resolution[String(id)]!).toBeLessThan(0);
    const rows = chart.exportCsv().trim().split('\n').slice(1);
    expect(rows.length).toBe(101);
    expect(rows).toContain(`train/loss,${seeded.spikeStep},${seeded.spikeValue}`);
  });

  it('zooms a chart of several series with one request, one read for a burst of range changes', async () => {
    const ids = [seeded.a['train/loss'], seeded.a['train/accuracy'], seeded.a['val/loss']] as number[];
    const chart = mountChart((el) => {
      el.server = server;
      el.series = ids.join(',');
      el.noLive = true;
    });
    await rendered(chart);
    const chartRequests = () =>
      performance
        .getEntriesByType('resource')
        .map((e) => e.name)
        .filter((n) => n.includes('/chart?'));
    performance.clearResourceTimings();
    const done = rendered(chart);
    // A drag or quick wheel steps in one task: only the last range is read.
    chart.setRange(0, 5000);
    chart.setRange(1000, 3000);
    chart.setRange(seeded.spikeStep - 40, seeded.spikeStep + 40);
    await done;
    await new Promise((r) => setTimeout(r, 50));
    const sent = chartRequests();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain(`/api/v1/chart?series=${ids.join(',')}&`);
    expect(sent[0]).toContain(`start=${seeded.spikeStep - 40}`);
    for (const id of ids) expect(chart.resolution[String(id)]!).toBeLessThan(0);
    // The refined read replaces what the chart held: the 81 steps in view, not also the history
    // outside it carried over point by point (val/loss is logged every 200 steps: none in view).
    expect(chart.pointCounts).toEqual({ [String(ids[0])]: 81, [String(ids[1])]: 81, [String(ids[2])]: 0 });
    const rows = chart.exportCsv().trim().split('\n').slice(1);
    expect(rows).toContain(`train/loss,${seeded.spikeStep},${seeded.spikeValue}`);
  });

  it('pans with shift + wheel and reads the raw points that come into view', async () => {
    const id = seeded.a['train/loss'] as number;
    const chart = mountChart((el) => {
      el.server = server;
      el.series = String(id);
      el.noLive = true;
    });
    await rendered(chart);
    let done = rendered(chart);
    chart.setRange(seeded.spikeStep - 150, seeded.spikeStep - 50);
    await done;
    expect(chart.exportCsv()).not.toContain(`train/loss,${seeded.spikeStep},`);
    const over = chart.plot!.over;
    const box = over.getBoundingClientRect();
    for (let i = 0; i < 10; i++) {
      done = rendered(chart);
      over.dispatchEvent(
        new WheelEvent('wheel', {
          deltaY: 100,
          shiftKey: true,
          clientX: box.left + box.width / 2,
          clientY: box.top + 10,
          bubbles: true,
          cancelable: true,
        }),
      );
      await done;
    }
    // Ten steps of a tenth of the width: the view moved by one width, onto the spike.
    expect(chart.range![0]).toBeCloseTo(seeded.spikeStep - 50, 6);
    expect(chart.range![1]).toBeCloseTo(seeded.spikeStep + 50, 6);
    expect(chart.resolution[String(id)]!).toBeLessThan(0);
    expect(chart.exportCsv()).toContain(`train/loss,${seeded.spikeStep},${seeded.spikeValue}`);
  });

  it('appends live points after an ingest without reading the history again', async () => {
    const id = seeded.b['live/metric'] as number;
    const chart = mountChart((el) => {
      el.server = server;
      el.series = String(id);
    });
    await rendered(chart);
    expect(chart.pointCounts[String(id)]).toBe(3);
    const reads: string[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name.includes('/chart')) reads.push(e.name);
    });
    observer.observe({ type: 'resource', buffered: false });
    // Give the live socket a moment to subscribe, then ingest through the API.
    await until(() => true, 'noop');
    await new Promise((r) => setTimeout(r, 200));
    await post('/ingest/points', { series: [id, id], x: [3, 4], value: [10, 20] });
    await until(() => chart.pointCounts[String(id)] === 5, 'live points');
    await until(
      () => (chart.plot?.scales['y:']?.max ?? 0) >= 20,
      `y range grows ${JSON.stringify(chart.plot?.data)} ${JSON.stringify(chart.plot?.scales['y:'])}`,
    );
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    const [cx, cy] = toCanvas(chart, 4, 20);
    expect(colourNear(chart, cx, cy, BLUE, 3)).toBe(true);
    observer.disconnect();
    expect(reads).toEqual([]);
  });

  it('lays x out as seconds since the run started, from wall-time chart reads', async () => {
    const chart = mountChart((el) => {
      el.server = server;
      el.series = String(seeded.a['train/loss']);
      el.xAxis = 'relative';
      el.noLive = true;
    });
    await rendered(chart);
    const xs = chart.plot!.data[0] as number[];
    // Points are 100 ms apart from the run's start: 0 .. 1999.9 s.
    expect(xs[0]).toBe(0);
    expect(xs.at(-1)).toBeCloseTo((seeded.steps - 1) / 10, 6);
  });

  it('overlays one metric of several runs to compare them', async () => {
    const chart = mountChart((el) => {
      el.server = server;
      el.runs = `${seeded.runA},${seeded.runB}`;
      el.metric = 'train/loss';
      el.noLive = true;
    });
    await rendered(chart);
    await chart.updateComplete;
    const labels = [...chart.shadowRoot!.querySelectorAll('.legend button')].map((b) => b.textContent?.trim());
    expect(labels.some((l) => l?.startsWith('resnet-a: train/loss'))).toBe(true);
    expect(labels.some((l) => l?.startsWith('resnet-b: train/loss'))).toBe(true);
  });

  it('reports a server error on the chart instead of failing silently', async () => {
    const chart = mountChart((el) => {
      el.source = new ServerSource({ url: server });
      el.series = '999999';
    });
    await until(() => chart.shadowRoot?.querySelector('[role=alert]') !== null, 'error shown');
    expect(chart.shadowRoot!.querySelector('[role=alert]')!.textContent).toMatch(/999999|not_found|unknown/i);
  });
});
