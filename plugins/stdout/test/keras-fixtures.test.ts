import { describe, expect, it } from 'vitest';
import { stripTerminalControls } from '../src/index.js';
import { fixture, fixtureJson, parseAll, type RecordingSink } from './helpers/recording-sink.js';

// Outputs written by fixtures/generate_keras.py, which follows Keras' own progbar printing rules;
// `.expected.json` holds the epoch-end (and evaluate) values it printed.
const FIXTURES = [
  'keras3-verbose1',
  'keras3-verbose2',
  'keras3-epochs1',
  'keras3-fit-evaluate',
  'keras2-verbose1',
  'keras2-verbose2',
  'keras2-small-and-nan',
] as const;

type Expected = [string, number, number | null][];

function epochPoints(sink: RecordingSink): Expected {
  return sink.points
    .filter((p) => !p.name.startsWith('batch/'))
    .map((p) => [p.name, p.x, Number.isNaN(p.value) ? null : p.value]);
}

describe.each(FIXTURES)('Keras output %s', (name) => {
  const bytes = fixture(`keras/${name}.txt`);
  const expected = fixtureJson<Expected>(`keras/${name}.expected.json`);

  it('records every epoch-end value once, at x = epoch', () => {
    const { sink } = parseAll(bytes, { batchIntervalMs: 0 });
    expect(epochPoints(sink)).toEqual(expected);
    for (const p of sink.points.filter((q) => !q.name.startsWith('batch/'))) expect(p.format).toBe('keras');
  });

  it('gives the same points however the output is chunked', () => {
    const whole = parseAll(bytes, { batchIntervalMs: 0 }).sink;
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const chunked = parseAll(bytes, { batchIntervalMs: 0 }, size).sink;
      expect(chunked.points, `chunks of ${size}`).toEqual(whole.points);
      expect(chunked.lines, `chunks of ${size}`).toEqual(whole.lines);
    }
  });

  it('never records a redraw twice: in-epoch x strictly increases per series', () => {
    const { sink } = parseAll(bytes, { batchIntervalMs: 0 });
    for (const series of sink.names().filter((n) => n.startsWith('batch/'))) {
      const xs = sink.series(series).map(([x]) => x);
      for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1] as number);
    }
  });

  it('logs each line once, as the terminal shows it', () => {
    const { sink } = parseAll(bytes);
    const terminalLines = bytes
      .toString('utf8')
      .split('\n')
      .slice(0, -1)
      .map(
        (line) =>
          line
            .split('\r')
            .filter((s) => s.length > 0)
            .at(-1) ?? '',
      );
    expect(sink.lines.map((l) => l.text)).toEqual(terminalLines);
    for (const line of sink.lines) expect(line.text).not.toContain('\b');
  });
});

describe('Keras in-epoch points', () => {
  it('go to batch/<name> at the global step, continuing across epochs', () => {
    const { sink } = parseAll(fixture('keras/keras3-verbose1.txt'), { batchIntervalMs: 0 });
    expect(sink.names().sort()).toEqual([
      'accuracy',
      'batch/accuracy',
      'batch/loss',
      'loss',
      'val_accuracy',
      'val_loss',
    ]);
    const steps = sink.series('batch/loss').map(([x]) => x);
    expect(steps[0]).toBe(1);
    expect(steps.some((x) => x > 120 && x <= 240)).toBe(true);
    expect(steps.some((x) => x > 240 && x <= 360)).toBe(true);
    expect(Math.max(...steps)).toBeLessThanOrEqual(360);
    // The value read is the one printed in that redraw.
    const first = fixture('keras/keras3-verbose1.txt').toString('utf8').split('\r')[1] as string;
    const printed = /loss: ([\d.]+)/.exec(stripTerminalControls(first))?.[1];
    expect(sink.series('batch/loss')[0]).toEqual([1, Number(printed)]);
  });

  it('are throttled by the caller clock and can be switched off', () => {
    const bytes = fixture('keras/keras2-verbose1.txt');
    const throttled = parseAll(bytes).sink; // every chunk at the same `now`: one redraw point
    expect(throttled.series('batch/loss')).toHaveLength(1);
    const off = parseAll(bytes, { batchPoints: false }).sink;
    expect(off.names().filter((n) => n.startsWith('batch/'))).toEqual([]);
    expect(off.series('val_loss')).toHaveLength(3);
  });

  it('are not taken from an evaluate() bar after training', () => {
    const { sink } = parseAll(fixture('keras/keras3-fit-evaluate.txt'), { batchIntervalMs: 0 });
    const steps = sink.series('batch/loss').map(([x]) => x);
    expect(Math.max(...steps)).toBeLessThanOrEqual(120);
  });
});
