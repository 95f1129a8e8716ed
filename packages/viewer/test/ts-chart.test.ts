import { afterEach, describe, expect, it } from 'vitest';
import '../src/index.js';
import { BucketTrace } from '../src/index.js';
import { colourNear, mountChart, pixel, rendered, rgb, toCanvas, until } from './helpers.js';

const BLUE = rgb('#0969da');
const RED = rgb('#cf222e');

afterEach(() => {
  document.body.replaceChildren();
});

function line(n: number, f: (i: number) => number) {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i;
    y[i] = f(i);
  }
  return { x, y };
}

describe('<ts-chart> with data handed in', () => {
  it('draws a known series at the expected canvas pixels', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'diag', ...line(101, (i) => i) }];
    await done;
    for (const v of [10, 50, 90]) {
      const [cx, cy] = toCanvas(chart, v, v);
      expect(colourNear(chart, cx, cy, BLUE), `line pixel at ${v}`).toBe(true);
    }
    // Far from the line (top-left of the plot at x=90, y=10) the canvas is background.
    const [cx, cy] = toCanvas(chart, 90, 10);
    expect(colourNear(chart, cx, cy, BLUE)).toBe(false);
  });

  it('keeps a one-point spike after downsampling 200k points into a few hundred pixels', async () => {
    const n = 200_000;
    const spikeAt = 123_457;
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'loss', ...line(n, (i) => (i === spikeAt ? 100 : 1 + (i % 7) / 100)) }];
    const drawn = await done;
    expect(drawn).toBeLessThan(n / 50);
    const u = chart.plot!;
    const yMax = u.scales['y:']!.max!;
    expect(yMax).toBeGreaterThanOrEqual(100);
    const [cx, cy] = toCanvas(chart, spikeAt, 99);
    expect(colourNear(chart, cx, cy, BLUE, 3)).toBe(true);
  });

  it('marks NaN and infinite values instead of hiding them', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [
      {
        label: 'val',
        ...line(100, (i) =>
          i === 30 ? Number.NaN : i === 60 ? Number.POSITIVE_INFINITY : i === 80 ? Number.NEGATIVE_INFINITY : 1,
        ),
      },
    ];
    await done;
    const u = chart.plot!;
    const nanX = u.valToPos(30, 'x', true);
    const mid = u.bbox.top + u.bbox.height / 2;
    expect(colourNear(chart, nanX, mid, RED, 2)).toBe(true);
    const infX = u.valToPos(60, 'x', true);
    expect(colourNear(chart, infX, u.bbox.top + 4, BLUE, 3)).toBe(true);
    // -Inf: a triangle on the bottom edge, where a finite line of value 1 never goes.
    const minusInfX = u.valToPos(80, 'x', true);
    const bottom = u.bbox.top + u.bbox.height;
    expect(colourNear(chart, minusInfX, bottom - 4, BLUE, 3)).toBe(true);
    expect(colourNear(chart, u.valToPos(70, 'x', true), bottom - 4, BLUE, 3)).toBe(false);
    await until(() => chart.shadowRoot!.querySelector('.nonfinite') !== null, 'non-finite badge');
    expect(chart.shadowRoot!.querySelector('.nonfinite')!.textContent).toContain('3');
    expect(chart.exportCsv()).toContain('val,30,NaN');
    expect(chart.exportCsv()).toContain('val,60,Infinity');
    expect(chart.exportCsv()).toContain('val,80,-Infinity');
  });

  it('refines to the raw points when zoomed in', async () => {
    const n = 100_000;
    const chart = mountChart();
    let done = rendered(chart);
    chart.data = [{ label: 'loss', ...line(n, (i) => Math.sin(i / 10)) }];
    await done;
    const coarse = chart.resolution['loss']!;
    expect(coarse).toBeGreaterThan(4);
    done = rendered(chart);
    chart.setRange(5000, 5200);
    await done;
    expect(chart.range).toEqual([5000, 5200]);
    expect(chart.resolution['loss']!).toBeLessThanOrEqual(0);
    const csv = chart.exportCsv().trim().split('\n').slice(1);
    // Every raw point of the range is there, exactly.
    expect(csv.length).toBe(201);
    expect(csv[0]).toBe(`loss,5000,${Math.sin(500)}`);
    const [cx, cy] = toCanvas(chart, 5100, Math.sin(510));
    expect(colourNear(chart, cx, cy, BLUE, 2)).toBe(true);
  });

  it('draws M4 buckets handed in (a chart read) and the min/max band', async () => {
    const trace = BucketTrace.fromPoints(
      6,
      line(10_000, (i) => (i % 2 === 0 ? 0 : 10)).x,
      line(10_000, (i) => (i % 2 === 0 ? 0 : 10)).y,
    );
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'm4', chart: { pixelExp: trace.exp, buckets: trace.columns } }];
    await done;
    expect(chart.pointCounts['m4']).toBe(10_000);
    // Inside the band (value 5, between min 0 and max 10) the fill is a faint blue.
    const [cx, cy] = toCanvas(chart, 5000 + 32, 5);
    const [r, g, b, a] = pixel(chart, cx, cy);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(r);
    expect(b).toBeGreaterThan(g);
  });

  it('toggles a trace from the legend', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [
      { label: 'a', ...line(50, () => 1) },
      { label: 'b', ...line(50, () => 2) },
    ];
    await done;
    const [cx, cy] = toCanvas(chart, 25, 1);
    expect(colourNear(chart, cx, cy, BLUE)).toBe(true);
    const events: unknown[] = [];
    chart.addEventListener('ts-toggle', (e) => events.push((e as CustomEvent).detail));
    await chart.updateComplete;
    (chart.shadowRoot!.querySelector('.legend button[data-key="a"]') as HTMLButtonElement).click();
    await until(() => !colourNear(chart, cx, cy, BLUE), 'trace a hidden');
    expect(events).toEqual([{ key: 'a', visible: false }]);
  });

  it('smooths with a time-weighted EMA and keeps the raw line faint', async () => {
    const chart = mountChart((el) => {
      el.smoothing = 0.9;
    });
    const done = rendered(chart);
    chart.data = [{ label: 'noisy', ...line(400, (i) => (i % 2 === 0 ? 0 : 2)) }];
    await done;
    const u = chart.plot!;
    expect(u.series.map((s) => s.label)).toContain('noisy (smoothed)');
    // The smoothed line sits near the mean (1) in the middle of the range.
    const [cx, cy] = toCanvas(chart, 300, 1);
    expect(colourNear(chart, cx, cy, BLUE, 3)).toBe(true);
  });

  it('draws the raw line faint beneath the smoothed one', async () => {
    const chart = mountChart((el) => {
      el.smoothing = 0.9;
    });
    const done = rendered(chart);
    // Few points far apart: the raw zigzag's segments lie well away from the smoothed line (near 1).
    chart.data = [{ label: 'noisy', ...line(20, (i) => (i % 2 === 0 ? 0 : 2)) }];
    await done;
    const raw = chart.plot!.series.find((s) => s.label === 'noisy');
    expect(raw?.show).toBe(true);
    // On the raw segment from (10, 0) to (11, 2), a quarter of the way up: the canvas (transparent
    // where nothing is drawn) holds the trace colour at low opacity there.
    const [cx, cy] = toCanvas(chart, 10.25, 0.5);
    let alpha = 0;
    for (let dx = -2; dx <= 2; dx++) {
      for (let dy = -2; dy <= 2; dy++) {
        const [r, g, b, a] = pixel(chart, cx + dx, cy + dy);
        if (a > alpha && b > r && b > g) alpha = a;
      }
    }
    expect(alpha, 'raw line drawn').toBeGreaterThan(20);
    expect(alpha, 'raw line faint').toBeLessThan(160);
    // The smoothed line itself is drawn at full strength.
    expect(colourNear(chart, ...toCanvas(chart, 15, 1), BLUE, 4)).toBe(true);
  });

  it('labels the x axis in epochs with x-axis="epoch", drawing the series x as given', async () => {
    const chart = mountChart((el) => {
      el.xAxis = 'epoch';
    });
    const done = rendered(chart);
    chart.data = [{ label: 'val/acc', x: [1, 2, 3, 4], y: [0.5, 0.6, 0.7, 0.8] }];
    await done;
    expect(chart.plot!.data[0]).toEqual([1, 2, 3, 4]);
    expect(chart.plot!.axes[0]!.label).toBe('epoch');
  });

  it('puts series of different scales on their own axes with their bounds', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [
      { label: 'loss', ...line(100, (i) => 2 - i / 100) },
      { label: 'acc', ...line(100, (i) => i / 2), scale: { name: 'acc', units: '%', lower: 0, upper: 100 } },
    ];
    await done;
    const u = chart.plot!;
    expect(u.scales['y:acc']!.min).toBe(0);
    expect(u.scales['y:acc']!.max).toBe(100);
    expect(u.axes.length).toBe(3);
    expect(u.axes[2]!.label).toBe('%');
  });

  it('uses a log y axis', async () => {
    const chart = mountChart((el) => {
      el.logY = true;
    });
    const done = rendered(chart);
    chart.data = [{ label: 'lr', ...line(100, (i) => 10 ** (-i / 20)) }];
    await done;
    expect(chart.plot!.scales['y:']!.distr).toBe(3);
    const [cx, cy] = toCanvas(chart, 40, 10 ** -2);
    expect(colourNear(chart, cx, cy, BLUE, 2)).toBe(true);
  });

  it('draws progress metrics as progress bars', async () => {
    const chart = mountChart();
    chart.data = [{ label: 'items', ...line(4, (i) => (i + 1) * 0.2), progress: true }];
    await until(() => chart.shadowRoot!.querySelector('[role=progressbar]') !== null, 'progress bar');
    const bar = chart.shadowRoot!.querySelector('[role=progressbar]')!;
    expect(bar.getAttribute('aria-valuenow')).toBe('0.8');
    expect((bar.firstElementChild as HTMLElement).style.width).toBe('80%');
  });

  it('lays x out as relative seconds or wall time from the points times', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const time = Float64Array.from({ length: 10 }, (_, i) => t0 + i * 1000);
    const chart = mountChart((el) => {
      el.xAxis = 'relative';
    });
    let done = rendered(chart);
    chart.data = [{ label: 'a', ...line(10, (i) => i), time }];
    await done;
    expect(chart.plot!.data[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    done = rendered(chart);
    chart.xAxis = 'wall';
    await done;
    expect(chart.plot!.data[0]![0]).toBe(t0);
    expect(chart.plot!.scales['x']!.time).toBe(true);
  });

  it('exports the chart as a PNG', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'a', ...line(10, (i) => i) }];
    await done;
    const png = new Uint8Array(await (await chart.exportPng()).arrayBuffer());
    expect([...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });
});
