import { describe, expect, it } from 'vitest';
import { fixture, fixtureJson, parseAll, type RecordingSink, recordingParser } from './helpers/recording-sink.js';

describe('Hugging Face Trainer dict lines', () => {
  it('records every numeric key at x = a counter of dict lines, epoch as its own series', () => {
    const { sink } = parseAll(
      "{'loss': 0.6929, 'grad_norm': 1.2345, 'learning_rate': 5e-05, 'epoch': 0.25}\n" +
        "{'loss': 0.6512, 'grad_norm': 0.9876, 'learning_rate': 4.5e-05, 'epoch': 0.5}\n",
    );
    expect(sink.series('loss')).toEqual([
      [1, 0.6929],
      [2, 0.6512],
    ]);
    expect(sink.series('learning_rate')).toEqual([
      [1, 5e-5],
      [2, 4.5e-5],
    ]);
    expect(sink.series('epoch')).toEqual([
      [1, 0.25],
      [2, 0.5],
    ]);
    expect(sink.points.every((p) => p.format === 'python' && p.axis === 'step')).toBe(true);
  });

  it('uses step as x when the dict has one, and reads numpy and torch scalars', () => {
    const { sink } = parseAll(
      "{'eval_accuracy': np.float64(0.8512), 'eval_loss': tensor(0.4321, device='cuda:0'), 'step': 500}\n",
    );
    expect(sink.points.map((p) => [p.name, p.x, p.value])).toEqual([
      ['eval_accuracy', 500, 0.8512],
      ['eval_loss', 500, 0.4321],
    ]);
  });

  it('counts non-numeric values and keeps nan and inf', () => {
    const { sink, parser } = parseAll("{'loss': nan, 'grad_norm': inf, 'note': 'warmup', 'best': None}\n");
    expect(sink.series('loss')).toEqual([[1, Number.NaN]]);
    expect(sink.series('grad_norm')).toEqual([[1, Infinity]]);
    expect(parser.stats().rejected).toEqual({ non_numeric_value: 2 });
  });

  it('can be switched off', () => {
    expect(parseAll("{'loss': 0.5}\n", { formats: { python: false } }).sink.points).toEqual([]);
  });
});

// Written by fixtures/generate_hf_trainer.py, which follows the Trainer's logging rules and tqdm's
// printing rules; `stdout.expected.json` holds [name, x, value] for each numeric key of each dict
// it printed, and `writes.json` the order in which bytes reached the two pipes.
describe('Hugging Face Trainer run', () => {
  const stdout = fixture('hf-trainer/stdout.txt');
  const stderr = fixture('hf-trainer/stderr.txt');
  const writes = fixtureJson<['stdout' | 'stderr', number][]>('hf-trainer/writes.json');
  const expected = fixtureJson<[string, number, number][]>('hf-trainer/stdout.expected.json');
  const points = (sink: RecordingSink) => sink.points.map((p) => [p.name, p.x, p.value]);
  const stdoutLines = stdout.toString('utf8').split('\n').slice(0, -1);

  it('records every numeric key of every printed dict at x = its line, however the output is chunked', () => {
    for (const size of [Number.POSITIVE_INFINITY, 1, 7, 64]) {
      const { sink, parser } = parseAll(stdout, {}, size);
      expect(points(sink), `chunks of ${size}`).toEqual(expected);
      expect(sink.points.every((p) => p.format === 'python' && p.axis === 'step')).toBe(true);
      expect(sink.lines.map((l) => l.text)).toEqual(stdoutLines);
      expect(parser.stats().rejected).toEqual({});
    }
  });

  it('keeps the Trainer keys, without the total_flos that ProgressCallback pops', () => {
    expect(parseAll(stdout).sink.names()).toEqual([
      'loss',
      'grad_norm',
      'learning_rate',
      'epoch',
      'eval_loss',
      'eval_accuracy',
      'eval_runtime',
      'eval_samples_per_second',
      'eval_steps_per_second',
      'train_runtime',
      'train_samples_per_second',
      'train_steps_per_second',
      'train_loss',
    ]);
  });

  it('gives the same points with the tqdm bars on stderr interleaved as they were written', () => {
    const { parser, sink } = recordingParser();
    const files = { stdout, stderr };
    const offsets = { stdout: 0, stderr: 0 };
    for (const [stream, bytes] of writes) {
      parser.push(files[stream].subarray(offsets[stream], offsets[stream] + bytes), stream, 1000);
      offsets[stream] += bytes;
    }
    parser.end('stdout', 1000);
    parser.end('stderr', 1000);
    expect(offsets).toEqual({ stdout: stdout.length, stderr: stderr.length });
    // The Trainer's bars have no postfix: stderr adds no point.
    expect(points(sink)).toEqual(expected);
    expect(sink.lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(stdoutLines);
    const last = stderr.toString('utf8').split('\n').at(-2)?.split('\r').at(-1);
    expect(last).toMatch(/^100%\|█{10}\| 48\/48 \[/);
    expect(sink.lines.filter((l) => l.stream === 'stderr').at(-1)?.text).toBe(last);
  });
});
