import type { ApiRun, ApiSeries } from '@trainscope/client';
import { afterEach, describe, expect, it } from 'vitest';
import '../src/index.js';
import { MemorySource, type TsChart } from '../src/index.js';
import { apiRun, colourNear, rgb, toCanvas, until } from './helpers.js';

const BLUE = rgb('#0969da');

afterEach(() => {
  document.body.replaceChildren();
});

const run: ApiRun = apiRun('mem1', { project: 'offline', name: 'handed-in', params: { lr: 0.1 } });

function series(id: number, name: string, kind: ApiSeries['kind'] = 'training'): ApiSeries {
  return {
    id,
    run_id: run.id,
    name,
    kind,
    type: 'gauge',
    group: null,
    x_scale: null,
    scale: null,
    unit: kind === 'system' ? '%' : null,
    labels: {},
  };
}

describe('components on data held in the page (MemorySource)', () => {
  it('draws a dashboard with no server, and live points appended to the source', async () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const source = new MemorySource({
      runs: [run],
      series: [series(1, 'train/loss'), series(2, 'cpu/usage_percent', 'system')],
      points: {
        1: { x: xs, value: xs.map((i) => 1 / (1 + i / 100)) },
        2: { x: xs, value: xs.map(() => 50) },
      },
      logs: {
        mem1: [{ run_id: 'mem1', n: 0, time: 0, stream: 'stdout', level: 'info', text: 'hello', metadata: null }],
      },
    });
    const d = document.createElement('ts-run-dashboard');
    d.source = source;
    d.run = run.id;
    d.style.width = '900px';
    document.body.append(d);
    await until(() => d.renderedCharts === 2, 'two charts');
    const charts = [...d.shadowRoot!.querySelectorAll('ts-chart')] as TsChart[];
    await until(() => charts.every((c) => c.plot !== null), 'charts drawn');
    expect(d.shadowRoot!.querySelector('.log')!.textContent).toContain('hello');
    const loss = charts.find((c) => c.heading === 'train')!;
    expect(loss.pointCounts['1']).toBe(1000);
    source.append(1, { x: [1000, 1001], value: [2, 3] });
    await until(() => loss.pointCounts['1'] === 1002, 'live points');
    await until(() => (loss.plot!.scales['y:']!.max ?? 0) >= 3, 'y grows');
    await new Promise((r) => setTimeout(r, 150));
    const [cx, cy] = toCanvas(loss, 1001, 3);
    expect(colourNear(loss, cx, cy, BLUE, 3)).toBe(true);
  });
});
