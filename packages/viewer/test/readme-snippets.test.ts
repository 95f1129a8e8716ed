import { afterEach, describe, expect, inject, it } from 'vitest';
import readme from '../README.md?raw';
import '../src/index.js';
import type { TsChart, TsRunDashboard, TsRunTable } from '../src/index.js';
import { until } from './helpers.js';

const server = inject('server');
const seeded = inject('seeded');

afterEach(() => {
  document.body.replaceChildren();
});

/** The README's plain-HTML snippet, pointed at the test server and its runs. */
function htmlSnippet(): string {
  const block = /```html\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no html snippet');
  return block
    .replace(/<script type="module">[\s\S]*?<\/script>/, '')
    .replaceAll('http://127.0.0.1:7070', server)
    .replace('series="12,13"', `series="${seeded.a['train/loss']},${seeded.a['val/loss']}"`)
    .replace('runs="k3x9a,p0q2z"', `runs="${seeded.runA},${seeded.runB}"`)
    .replace('run="k3x9a"', `run="${seeded.runA}"`);
}

describe('the README snippets', () => {
  it('the plain HTML snippet draws its charts, dashboard and run table as documented', async () => {
    const host = document.createElement('div');
    host.style.width = '980px';
    host.innerHTML = htmlSnippet();
    document.body.append(host);
    const [smoothed, compared] = [...host.querySelectorAll('ts-chart')] as TsChart[];
    await until(() => smoothed?.plot !== null && compared?.plot !== null, 'both charts drawn');
    expect(smoothed!.smoothing).toBe(0.6);
    expect(smoothed!.plot!.series.some((s) => String(s.label).endsWith('(smoothed)'))).toBe(true);
    expect(Object.keys(smoothed!.pointCounts)).toHaveLength(2);
    expect(compared!.logY).toBe(true);
    expect(compared!.plot!.scales['y:']!.distr).toBe(3);
    expect(Object.keys(compared!.pointCounts)).toHaveLength(2);
    const dashboard = host.querySelector('ts-run-dashboard') as TsRunDashboard;
    expect(dashboard.theme).toBe('dark');
    await until(() => dashboard.shadowRoot?.querySelector('h2')?.textContent === 'resnet-a', 'dashboard');
    const table = host.querySelector('ts-run-table') as TsRunTable;
    await until(() => table.shadowRoot!.querySelectorAll('tbody tr').length === 2, 'run table');
    const link = table.shadowRoot!.querySelector(`tr[data-run="${seeded.runA}"] a`) as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe(`#/run/${seeded.runA}`);
    expect(table.shadowRoot!.querySelectorAll('thead th').length).toBe(7);
  });
});
