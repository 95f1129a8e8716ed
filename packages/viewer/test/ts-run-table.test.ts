import { afterEach, describe, expect, inject, it } from 'vitest';
import '../src/index.js';
import type { TsRunTable } from '../src/index.js';
import { until } from './helpers.js';

const server = inject('server');
const seeded = inject('seeded');

afterEach(() => {
  document.body.replaceChildren();
});

function names(el: TsRunTable): string[] {
  return [...el.shadowRoot!.querySelectorAll('tbody tr td:nth-child(2)')].map((td) => td.textContent!.trim());
}

describe('<ts-run-table>', () => {
  it('lists the runs of a project with summary columns, sorts and filters them', async () => {
    const el = document.createElement('ts-run-table');
    el.server = server;
    el.project = seeded.project;
    el.summaries = 'train/loss';
    document.body.append(el);
    await until(() => names(el).length === 2, 'two runs');
    const root = el.shadowRoot!;
    const lossOf = (name: string) =>
      [...root.querySelectorAll('tbody tr')].find((tr) => tr.textContent!.includes(name))!.querySelector('td.num')!
        .textContent;
    // Last train/loss of run A: 2 exp(-19999/4000) + 0.1.
    expect(Number(lossOf('resnet-a'))).toBeCloseTo(2 * Math.exp(-19_999 / 4000) + 0.1, 6);
    (root.querySelector('button[data-sort="summary:train/loss"]') as HTMLButtonElement).click();
    await el.updateComplete;
    const descending = names(el);
    (root.querySelector('button[data-sort="summary:train/loss"]') as HTMLButtonElement).click();
    await el.updateComplete;
    expect(names(el)).toEqual([...descending].reverse());
    const input = root.querySelector('input[type=search]') as HTMLInputElement;
    input.value = 'running';
    input.dispatchEvent(new Event('input'));
    await el.updateComplete;
    expect(names(el)).toEqual(['resnet-b']);
  });

  it('reports the selection so charts can overlay the selected runs', async () => {
    const el = document.createElement('ts-run-table');
    el.server = server;
    el.project = seeded.project;
    document.body.append(el);
    await until(() => names(el).length === 2, 'two runs');
    const seen: string[][] = [];
    el.addEventListener('ts-selection-change', (e) => seen.push((e as CustomEvent<{ runs: string[] }>).detail.runs));
    for (const box of el.shadowRoot!.querySelectorAll('input[type=checkbox]')) (box as HTMLInputElement).click();
    expect(seen.at(-1)?.sort()).toEqual([seeded.runA, seeded.runB].sort());
    const chart = document.createElement('ts-chart');
    chart.server = server;
    chart.metric = 'train/loss';
    chart.noLive = true;
    chart.runs = el.selected.join(',');
    chart.style.width = '600px';
    document.body.append(chart);
    await until(() => Object.keys(chart.pointCounts).length === 2, 'two runs overlaid');
  });
});
