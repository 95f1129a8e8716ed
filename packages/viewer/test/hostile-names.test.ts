import type { ApiRun, ApiSeries } from '@trainscope/client';
import { afterEach, describe, expect, it } from 'vitest';
import '../src/index.js';
import { MemorySource, type TsChart } from '../src/index.js';
import { until } from './helpers.js';

// Names, params, tags, log lines and errors are data a training script controls: they must show
// as text and never run as markup (issue 10, injection).
const EVIL = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'); DROP TABLE runs;--`;

declare global {
  interface Window {
    __pwned?: number;
  }
}

afterEach(() => {
  document.body.replaceChildren();
});

function allShadowElements(root: Element | ShadowRoot): Element[] {
  const out: Element[] = [];
  for (const el of root.querySelectorAll('*')) {
    out.push(el);
    if (el.shadowRoot) out.push(...allShadowElements(el.shadowRoot));
  }
  return out;
}

describe('hostile names render as text', () => {
  it('in the run table, the dashboard, chart headings, legends and the log tail', async () => {
    const run: ApiRun = {
      id: 'evil1',
      project: EVIL,
      name: EVIL,
      status: 'failed',
      created_at: '2026-01-01T00:00:00.000Z',
      started_at: '2026-01-01T00:00:00.000Z',
      ended_at: '2026-01-01T00:01:00.000Z',
      exit_code: 1,
      error_message: EVIL,
      params: { [EVIL]: EVIL },
      tags: [EVIL],
      host: { hostname: EVIL },
    };
    const s = (id: number, name: string, group: string | null): ApiSeries => ({
      id,
      run_id: run.id,
      name,
      kind: 'training',
      type: 'gauge',
      group,
      x_scale: null,
      scale: null,
      unit: EVIL,
      labels: { [EVIL]: EVIL },
    });
    const source = new MemorySource({
      runs: [run],
      series: [s(1, `train/${EVIL}`, null), s(2, EVIL, EVIL)],
      points: { 1: { x: [0, 1, 2], value: [3, 2, 1] }, 2: { x: [0, 1], value: [1, 1] } },
      logs: {
        evil1: [{ run_id: 'evil1', n: 0, time: 0, stream: 'stderr', level: 'error', text: EVIL, metadata: null }],
      },
    });
    const dashboard = document.createElement('ts-run-dashboard');
    dashboard.source = source;
    dashboard.run = run.id;
    dashboard.style.width = '900px';
    document.body.append(dashboard);
    const table = document.createElement('ts-run-table');
    table.source = source;
    table.project = EVIL;
    document.body.append(table);
    // charts are created as they scroll into view
    await until(() => dashboard.shadowRoot!.querySelectorAll('.slot').length === 2, 'chart slots');
    for (const slot of dashboard.shadowRoot!.querySelectorAll('.slot')) {
      slot.scrollIntoView();
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(() => dashboard.renderedCharts === 2, 'both charts created');
    const charts = [...dashboard.shadowRoot!.querySelectorAll('ts-chart')] as TsChart[];
    await until(() => charts.every((c) => c.plot !== null), 'charts drawn');
    await until(() => (table.shadowRoot!.textContent ?? '').includes('DROP TABLE'), 'table row');
    await new Promise((r) => setTimeout(r, 200)); // an onerror handler would have fired by now
    expect(window.__pwned).toBeUndefined();
    const elements = [...allShadowElements(table.shadowRoot!), ...allShadowElements(dashboard.shadowRoot!)];
    expect(elements.filter((e) => e.tagName === 'IMG' || e.tagName === 'SCRIPT')).toEqual([]);
    const shown = `${table.shadowRoot!.textContent}${dashboard.shadowRoot!.textContent}${charts
      .map((c) => c.shadowRoot!.textContent)
      .join('')}`;
    expect(shown).toContain('<img src=x onerror="window.__pwned=1">');
  });
});
