import type { ApiRun, ApiScale, ApiSeries } from '@trainscope/client';
import { afterEach, describe, expect, it } from 'vitest';
import '../src/index.js';
import { MemorySource, type TsChart } from '../src/index.js';
import { apiRun, colourNear, hover, mountChart, rendered, rgb, toCanvas, until } from './helpers.js';

const BLUE = rgb('#0969da');

afterEach(() => {
  document.body.replaceChildren();
});

function run(id: string, name: string): ApiRun {
  return apiRun(id, { project: 'epochs', name });
}

function series(id: number, runId: string, name: string, xScale: ApiScale | null): ApiSeries {
  return {
    id,
    run_id: runId,
    name,
    kind: 'training',
    type: 'gauge',
    group: null,
    x_scale: xScale,
    scale: null,
    unit: null,
    labels: {},
  };
}

const STEP = { name: 'step' };
const EPOCH = { name: 'epoch' };

/**
 * A Hugging Face Trainer run as the stdout plugin records it: `loss` every 10 steps (x = step)
 * with a spike at step 500, and `epoch` every 100 steps holding the epoch at that step: 250 steps
 * an epoch (0.4, 0.8, ... 4.0). Epoch 2 is step 500.
 */
function hfSource(): MemorySource {
  const steps = Array.from({ length: 101 }, (_, i) => i * 10);
  const logged = Array.from({ length: 10 }, (_, i) => (i + 1) * 100);
  return new MemorySource({
    runs: [run('hf', 'hf-trainer')],
    series: [series(1, 'hf', 'loss', STEP), series(2, 'hf', 'epoch', STEP)],
    points: {
      1: { x: steps, value: steps.map((s) => (s === 500 ? 3 : 1 - s / 2000)) },
      2: { x: logged, value: logged.map((s) => s / 250) },
    },
  });
}

/**
 * A Keras run: epoch-end `accuracy` at x = epoch 1..5, in-epoch `batch/loss` at x = global step
 * (100 steps an epoch); no series maps steps to epochs.
 */
function kerasSource(): MemorySource {
  const epochs = [1, 2, 3, 4, 5];
  const steps = Array.from({ length: 50 }, (_, i) => i * 10);
  return new MemorySource({
    runs: [run('keras', 'keras-fit')],
    series: [series(1, 'keras', 'accuracy', EPOCH), series(2, 'keras', 'batch/loss', STEP)],
    points: {
      1: { x: epochs, value: epochs.map((e) => 0.5 + e / 10) },
      2: { x: steps, value: steps.map((s) => 2 - s / 500) },
    },
  });
}

function epochChart(source: MemorySource, ids: string): TsChart {
  return mountChart((el) => {
    el.source = source;
    el.series = ids;
    el.xAxis = 'epoch';
  });
}

const note = (chart: TsChart) => chart.shadowRoot!.querySelector('[role=note]')?.textContent?.trim() ?? null;
const legendValue = (chart: TsChart, key: string) =>
  chart.shadowRoot!.querySelector(`.legend button[data-key="${key}"] .value`)!.textContent!.trim();

describe('<ts-chart x-axis="epoch">', () => {
  it("draws a step-indexed series against the run's epoch series: x mapped, readout and pixels at known epochs", async () => {
    const chart = epochChart(hfSource(), '1');
    await rendered(chart);
    await chart.updateComplete;
    const u = chart.plot!;
    expect(u.axes[0]!.label).toBe('epoch');
    expect(note(chart)).toBeNull();
    // Steps 0..1000 every 10 are drawn at step / 250 (before step 100, the first epoch point,
    // along the first segment's slope).
    const xs = u.data[0] as number[];
    expect(xs[0]).toBeCloseTo(0, 9);
    expect(xs.at(-1)).toBeCloseTo(4, 9);
    expect(xs).toContain(2);
    // The spike at step 500 is drawn at epoch 2, and nowhere near epoch 500 / 250 * 2.
    expect(colourNear(chart, ...toCanvas(chart, 2, 3), BLUE, 3)).toBe(true);
    expect(colourNear(chart, ...toCanvas(chart, 3, 3), BLUE, 3)).toBe(false);
    // Hovering epoch 3 (step 750) reads out epoch 3 and the loss at step 750.
    hover(chart, ...toCanvas(chart, 3, 1 - 750 / 2000));
    await until(() => chart.shadowRoot!.querySelector('.readout')!.textContent === 'x=3', 'x readout');
    await chart.updateComplete;
    expect(legendValue(chart, '1')).toBe(String(1 - 750 / 2000));
  });

  it('zooms in epochs and reads the steps they map to', async () => {
    const chart = epochChart(hfSource(), '1');
    await rendered(chart);
    const done = rendered(chart);
    chart.setRange(1, 2);
    await done;
    expect(chart.range).toEqual([1, 2]);
    // Epochs 1..2 are steps 250..500: 26 points of the 101 are read (none if the range had been
    // read as steps 1..2), the spike at step 500 among them, listed in epochs.
    expect(chart.pointCounts['1']).toBe(26);
    const rows = chart.exportCsv().trim().split('\n').slice(1);
    expect(rows).toContain('loss,2,3');
    expect(rows).toContain('loss,1.2,0.85');
  });

  it('follows the epoch series live: new steps land where the run says they are', async () => {
    const source = hfSource();
    const chart = epochChart(source, '1');
    await rendered(chart);
    // The run speeds up: step 1100 is epoch 6 (not 4.4, where the old pace would put it).
    source.append(2, { x: [1100], value: [6] });
    source.append(1, { x: [1100], value: [0.25] });
    await until(() => chart.pointCounts['1'] === 102, 'live point');
    await until(() => ((chart.plot!.data[0] as number[]).at(-1) ?? 0) > 5, 'mapped live point');
    expect((chart.plot!.data[0] as number[]).at(-1)).toBeCloseTo(6, 9);
  });

  it('draws series whose x is the epoch as they are', async () => {
    const chart = epochChart(kerasSource(), '1');
    await rendered(chart);
    await chart.updateComplete;
    expect(chart.plot!.data[0]).toEqual([1, 2, 3, 4, 5]);
    expect(chart.plot!.axes[0]!.label).toBe('epoch');
    expect(note(chart)).toBeNull();
    expect(colourNear(chart, ...toCanvas(chart, 3, 0.8), BLUE, 3)).toBe(true);
  });

  it('says so when a run has no epoch series: steps drawn by step, labelled step, never as epochs', async () => {
    const chart = epochChart(kerasSource(), '2');
    await rendered(chart);
    await chart.updateComplete;
    expect(note(chart)).toBe(
      'x is the step, not the epoch: run "keras-fit" has no "epoch" series to map steps to epochs.',
    );
    expect(chart.plot!.axes[0]!.label).toBe('step');
    expect((chart.plot!.data[0] as number[]).at(-1)).toBe(490);
  });

  it('leaves a step series without an epoch map off a chart drawn in epochs, and names it', async () => {
    const chart = epochChart(kerasSource(), '1,2');
    await rendered(chart);
    await chart.updateComplete;
    expect(chart.plot!.data[0]).toEqual([1, 2, 3, 4, 5]);
    expect(note(chart)).toBe(
      'Not drawn against epochs: batch/loss (x is the step and run "keras-fit" has no "epoch" series).',
    );
    const legend = [...chart.shadowRoot!.querySelectorAll('.legend button')].map((b) => b.getAttribute('data-key'));
    expect(legend).toEqual(['1']);
    // In step mode the same chart draws both, with no note.
    const done = rendered(chart);
    chart.xAxis = 'step';
    await done;
    await chart.updateComplete;
    expect(note(chart)).toBeNull();
    expect(chart.shadowRoot!.querySelectorAll('.legend button')).toHaveLength(2);
  });
});
