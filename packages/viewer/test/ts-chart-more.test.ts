import { afterEach, describe, expect, it } from 'vitest';
import '../src/index.js';
import { colourNear, hover, mountChart, rendered, rgb, toCanvas, until } from './helpers.js';

const BLUE = rgb('#0969da');
const DARK_BLUE = rgb('#4493f8');

afterEach(() => {
  document.body.replaceChildren();
});

function line(n: number, f: (i: number) => number, x0 = 0) {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = x0 + i;
    y[i] = f(x0 + i);
  }
  return { x, y };
}

/** Moves the mouse over the plot at canvas coordinates, as a person does. */
describe('<ts-chart> axes, readout, theme and export', () => {
  it('uses a log x axis: decades are equally spaced, and x <= 0 is left out instead of breaking the scale', async () => {
    const chart = mountChart((el) => {
      el.logX = true;
    });
    const done = rendered(chart);
    chart.data = [{ label: 'lr', ...line(1001, (i) => Math.log10(Math.max(i, 1))) }];
    await done;
    const u = chart.plot!;
    expect(u.scales['x']!.distr).toBe(3);
    expect(u.scales['x']!.min).toBeGreaterThan(0);
    const d1 = u.valToPos(10, 'x') - u.valToPos(1, 'x');
    const d2 = u.valToPos(100, 'x') - u.valToPos(10, 'x');
    expect(d1).toBeGreaterThan(20);
    expect(Math.abs(d1 - d2)).toBeLessThan(1);
    for (const x of [10, 100]) {
      const [cx, cy] = toCanvas(chart, x, Math.log10(x));
      expect(colourNear(chart, cx, cy, BLUE, 2), `line at x=${x}`).toBe(true);
    }
  });

  it('reads out the exact values under the cursor for every trace, also traces on other x values', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [
      { label: 'a', x: [0, 10, 20, 30], y: [1.25, 2.5, 3.75, 5] },
      { label: 'b', x: [1, 11, 21, 31], y: [0.125, 0.25, 0.375, 0.5] },
    ];
    await done;
    const [cx, cy] = toCanvas(chart, 20, 3.75);
    hover(chart as never, cx, cy);
    await until(() => chart.shadowRoot!.querySelector('.readout')!.textContent!.includes('20'), 'x readout');
    await chart.updateComplete;
    const value = (key: string) =>
      chart.shadowRoot!.querySelector(`.legend button[data-key="${key}"] .value`)!.textContent!.trim();
    expect(value('a')).toBe('3.75');
    // b has no point at x=20; its nearest point (x=21) is read out.
    expect(value('b')).toBe('0.375');
  });

  it('zooms around the cursor with ctrl + wheel, keeping the value under it in place', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'a', ...line(1001, (i) => i) }];
    await done;
    const u = chart.plot!;
    const box = u.over.getBoundingClientRect();
    const cssX = u.valToPos(250, 'x');
    const wheel = () =>
      u.over.dispatchEvent(
        new WheelEvent('wheel', {
          deltaY: -100,
          ctrlKey: true,
          clientX: box.left + cssX,
          clientY: box.top + 10,
          bubbles: true,
          cancelable: true,
        }),
      );
    wheel();
    wheel();
    const [min, max] = chart.range!;
    expect(max - min).toBeCloseTo(1000 * 0.8 * 0.8, 3);
    expect(u.valToPos(250, 'x')).toBeCloseTo(cssX, 3);
  });

  it('applies the x scale of a Coflux group: units as the axis label, bounds as the range', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'tokens', ...line(100, (i) => i), xScale: { units: 'tokens', lower: 0, upper: 200 } }];
    await done;
    const u = chart.plot!;
    expect(u.scales['x']!.min).toBe(0);
    expect(u.scales['x']!.max).toBe(200);
    expect(u.axes[0]!.label).toBe('tokens');
  });

  it('shares one y axis between series of the same scale name', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    const acc = { name: 'acc', units: '%', lower: 0, upper: 100 };
    chart.data = [
      { label: 'train', ...line(50, (i) => i), scale: acc },
      { label: 'val', ...line(50, (i) => i / 2), scale: acc },
      { label: 'loss', ...line(50, (i) => 1 / (i + 1)) },
    ];
    await done;
    expect(chart.plot!.axes.length).toBe(3);
    const lines = chart.plot!.series.filter((s) => s.scale === 'y:acc' && !/ (max|min)$/.test(String(s.label ?? '')));
    expect(lines.map((s) => s.label)).toEqual(['train', 'val']);
    expect(chart.plot!.axes[1]!.label).toBe('%');
  });

  it('draws in the dark palette with theme="dark", and in a colour set through --ts-series-1', async () => {
    const dark = mountChart((el) => el.setAttribute('theme', 'dark'));
    let done = rendered(dark);
    dark.data = [{ label: 'a', ...line(101, (i) => i) }];
    await done;
    const [dx, dy] = toCanvas(dark, 50, 50);
    expect(colourNear(dark, dx, dy, DARK_BLUE)).toBe(true);
    expect(getComputedStyle(dark).backgroundColor).toBe('rgb(13, 17, 23)');
    dark.remove();
    const custom = mountChart((el) => el.style.setProperty('--ts-series-1', '#ff8800'));
    done = rendered(custom);
    custom.data = [{ label: 'a', ...line(101, (i) => i) }];
    await done;
    const [cx, cy] = toCanvas(custom, 50, 50);
    expect(colourNear(custom, cx, cy, [255, 136, 0])).toBe(true);
  });

  it('draws again in the dark palette when the theme changes after drawing', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'a', ...line(101, (i) => i) }];
    await done;
    const [cx, cy] = toCanvas(chart, 50, 50);
    expect(colourNear(chart, cx, cy, BLUE)).toBe(true);
    chart.setAttribute('theme', 'dark');
    await until(() => colourNear(chart, cx, cy, DARK_BLUE) && !colourNear(chart, cx, cy, BLUE, 0), 'dark line');
  });

  it('exports a PNG that shows the line where the chart draws it', async () => {
    const chart = mountChart();
    const done = rendered(chart);
    chart.data = [{ label: 'a', ...line(101, (i) => i) }];
    await done;
    const bitmap = await createImageBitmap(await chart.exportPng());
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const [cx, cy] = toCanvas(chart, 60, 60);
    let found = false;
    for (let dx = -2; dx <= 2 && !found; dx++) {
      for (let dy = -2; dy <= 2 && !found; dy++) {
        const [r, g, b, a] = ctx.getImageData(Math.round(cx) + dx, Math.round(cy) + dy, 1, 1)
          .data as unknown as number[];
        found = a! > 100 && Math.abs(r! - BLUE[0]) < 40 && Math.abs(g! - BLUE[1]) < 40 && Math.abs(b! - BLUE[2]) < 40;
      }
    }
    expect(found).toBe(true);
    expect(bitmap.width).toBe(chart.plot!.ctx.canvas.width);
  });
});
