import type { ApiRun } from '@trainscope/client';
import { expect } from 'vitest';
import type { TsChart } from '../src/index.js';

/** Adds a chart of a fixed size to the page. */
export function mountChart(setup: (el: TsChart) => void = () => {}, width = 600): TsChart {
  const el = document.createElement('ts-chart');
  el.style.width = `${width}px`;
  el.setAttribute('theme', 'light');
  setup(el);
  document.body.append(el);
  return el;
}

/** Resolves on the next `ts-rendered` of an element. */
export function rendered(el: HTMLElement): Promise<number> {
  return new Promise((resolve) =>
    el.addEventListener('ts-rendered', (e) => resolve((e as CustomEvent<{ points: number }>).detail.points), {
      once: true,
    }),
  );
}

/** Waits until a condition holds (polling each frame). */
export async function until(check: () => boolean, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 16));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** RGBA of the canvas pixel at canvas coordinates. */
export function pixel(chart: TsChart, cx: number, cy: number): [number, number, number, number] {
  const ctx = chart.plot?.ctx;
  if (!ctx) throw new Error('chart has no plot');
  const d = ctx.getImageData(Math.round(cx), Math.round(cy), 1, 1).data;
  return [d[0] as number, d[1] as number, d[2] as number, d[3] as number];
}

/** Hex colour as RGB. */
export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** True when a pixel within `radius` canvas px of (cx, cy) is close to the colour. */
export function colourNear(
  chart: TsChart,
  cx: number,
  cy: number,
  colour: [number, number, number],
  radius = 2,
): boolean {
  for (let dx = -radius; dx <= radius; dx++) {
    for (let dy = -radius; dy <= radius; dy++) {
      const [r, g, b, a] = pixel(chart, cx + dx, cy + dy);
      if (a > 100 && Math.abs(r - colour[0]) < 40 && Math.abs(g - colour[1]) < 40 && Math.abs(b - colour[2]) < 40) {
        return true;
      }
    }
  }
  return false;
}

/** Canvas coordinates of a data point on a chart. */
export function toCanvas(chart: TsChart, x: number, y: number, scale = 'y:'): [number, number] {
  const u = chart.plot;
  if (!u) throw new Error('chart has no plot');
  return [u.valToPos(x, 'x', true), u.valToPos(y, scale, true)];
}

/** Moves the mouse over the plot to canvas coordinates (cx, cy), as a person hovering does. */
export function hover(chart: TsChart, cx: number, cy: number): void {
  const u = chart.plot;
  if (!u) throw new Error('chart has no plot');
  const box = u.over.getBoundingClientRect();
  const clientX = box.left + (cx - u.bbox.left) / devicePixelRatio;
  const clientY = box.top + (cy - u.bbox.top) / devicePixelRatio;
  u.over.dispatchEvent(new MouseEvent('mouseenter', { clientX, clientY, bubbles: true }));
  u.over.dispatchEvent(new MouseEvent('mousemove', { clientX, clientY, bubbles: true }));
}

/** Calls the test server's API with a JSON body; fails the test on an error answer. */
export async function apiCall(server: string, method: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${server}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
  return response.json();
}

/** A run as the API returns it: `running`, created and started 2026-01-01, no params; `over` replaces fields. */
export function apiRun(id: string, over: Partial<ApiRun> = {}): ApiRun {
  return {
    id,
    project: 'p',
    name: id,
    status: 'running',
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:00.000Z',
    ended_at: null,
    exit_code: null,
    error_message: null,
    params: {},
    tags: [],
    host: {},
    ...over,
  };
}
