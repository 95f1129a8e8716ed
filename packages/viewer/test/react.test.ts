import { createElement, useEffect, useRef } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import '../src/index.js';
import type { TsChart } from '../src/index.js';
import { until } from './helpers.js';

const server = inject('server');
const seeded = inject('seeded');
let root: Root | null = null;

afterEach(() => {
  root?.unmount();
  root = null;
  document.body.replaceChildren();
});

function mount(element: ReturnType<typeof createElement>): HTMLElement {
  const host = document.createElement('div');
  host.style.width = '700px';
  document.body.append(host);
  root = createRoot(host);
  root.render(element);
  return host;
}

const steps = Array.from({ length: 300 }, (_, i) => i);
const losses = steps.map((i) => 1 / (1 + i / 50));

// The README's React snippets, written with createElement instead of JSX.
function LossChart({ runs }: { runs: string[] }) {
  return createElement('ts-chart', { server, runs: runs.join(','), metric: 'train/loss', smoothing: '0.6' });
}

function HandedChart() {
  const ref = useRef<TsChart>(null);
  useEffect(() => {
    if (ref.current) ref.current.data = [{ label: 'loss', x: steps, y: losses }];
  }, []);
  return createElement('ts-chart', { ref, heading: 'loss' });
}

describe('the README React snippets (React 19)', () => {
  it('LossChart overlays a metric of several runs, smoothed', async () => {
    const host = mount(createElement(LossChart, { runs: [seeded.runA, seeded.runB] }));
    await until(() => (host.querySelector('ts-chart') as TsChart | null)?.plot != null, 'chart drawn');
    const chart = host.querySelector('ts-chart') as TsChart;
    expect(Object.keys(chart.pointCounts)).toHaveLength(2);
    expect(chart.smoothing).toBe(0.6);
    expect(chart.plot!.series.some((s) => String(s.label).endsWith('(smoothed)'))).toBe(true);
  });

  it('HandedChart sets data through a ref, and React 19 passes data as a property directly', async () => {
    const host = mount(
      createElement(
        'div',
        null,
        createElement(HandedChart),
        createElement('ts-chart', { data: [{ label: 'direct', x: steps, y: losses }] }),
      ),
    );
    const charts = () => [...host.querySelectorAll('ts-chart')] as TsChart[];
    await until(() => charts().length === 2 && charts().every((c) => c.plot != null), 'both drawn');
    const [handed, direct] = charts();
    expect(handed!.pointCounts['loss']).toBe(300);
    expect(handed!.shadowRoot!.querySelector('h3')!.textContent).toBe('loss');
    expect(direct!.pointCounts['direct']).toBe(300);
  });
});
