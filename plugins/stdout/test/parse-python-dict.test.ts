import { describe, expect, it } from 'vitest';
import { fixture, parseAll, recordingParser } from './helpers/recording-sink.js';

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

  it('reads a Trainer run: stdout dicts, tqdm bars on stderr', () => {
    const bytes = fixture('hf-trainer/stdout.txt');
    const { sink } = parseAll(bytes);
    expect(sink.names()).toEqual([
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
    expect(sink.series('eval_loss')).toEqual([
      [3, 0.5213],
      [6, 0.4402],
    ]);

    // The Trainer's own tqdm bar (no postfix) redraws on stderr between the dict lines; tqdm.write
    // clears it with '\r' + spaces + '\r' before each dict and draws it again after.
    const bar = (n: number) => {
      const filled = Math.floor((n / 6) * 80);
      const cells = '█'.repeat(Math.floor(filled / 8)) + (filled % 8 ? ' ▏▎▍▌▋▊▉'[filled % 8] : '');
      const rate = n ? `${(n / (n * 0.5)).toFixed(2).padStart(5)}it/s` : '?it/s';
      return `${String(Math.round((n / 6) * 100)).padStart(3)}%|${cells.padEnd(10)}| ${n}/6 [00:0${n}<${n ? '00:01' : '?'}, ${rate}]`;
    };
    const { parser, sink: both } = recordingParser();
    const dicts = bytes.toString('utf8').split(/(?<=\n)/);
    parser.push(`\r${bar(0)}`, 'stderr', 1000);
    dicts.forEach((dict, k) => {
      parser.push(`\r${bar(k)}`, 'stderr', 1000);
      parser.push(`\r${' '.repeat(bar(k).length)}\r`, 'stderr', 1000);
      parser.push(dict, 'stdout', 1000);
      parser.push(`\r${bar(Math.min(6, k + 1))}`, 'stderr', 1000);
    });
    parser.push('\n', 'stderr', 1000);
    parser.end('stdout', 1000);
    parser.end('stderr', 1000);
    expect(both.points).toEqual(sink.points);
    expect(both.lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(sink.lines.map((l) => l.text));
    expect(both.lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual([bar(6)]);
  });

  it('can be switched off', () => {
    expect(parseAll("{'loss': 0.5}\n", { formats: { python: false } }).sink.points).toEqual([]);
  });
});
