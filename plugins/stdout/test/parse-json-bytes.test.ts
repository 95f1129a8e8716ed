import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlatFields } from '../src/flat-object.js';
import { NameCheck } from '../src/name-check.js';
import { ParseContext } from '../src/parse-context.js';
import { JsonBytesParser } from '../src/parse-json-bytes.js';
import { JsonMetricParser } from '../src/parse-json-metric.js';
import { RejectionTally } from '../src/rejection-tally.js';
import { parseAll, RecordingSink } from './helpers/recording-sink.js';

function contextOf(sink: RecordingSink): ParseContext {
  return new ParseContext(sink, new RejectionTally(sink), new NameCheck(), new FlatFields());
}

/** Lines read as the parser reads them: from bytes when the byte path takes them, else as text. */
function readWithBytes(lines: string[]): { sink: RecordingSink; byBytes: number } {
  const sink = new RecordingSink();
  const context = contextOf(sink);
  const bytes = new JsonBytesParser(context);
  const text = new JsonMetricParser(context);
  let byBytes = 0;
  for (const line of lines) {
    // Each line in a buffer of its own, after other bytes, as a line within a chunk.
    const b = Buffer.from(`xx\n${line}\nyy`, 'latin1');
    if (bytes.parse(b, 3, 3 + line.length, 1000)) byBytes++;
    else text.parse(line, 1000);
  }
  return { sink, byBytes };
}

/** The reference: every line read as text. */
function readAsText(lines: string[]): RecordingSink {
  const sink = new RecordingSink();
  const text = new JsonMetricParser(contextOf(sink));
  for (const line of lines) text.parse(line, 1000);
  return sink;
}

const names = fc.oneof(
  fc.constantFrom('loss', 'lr', 'val_accuracy', 'val_accuracy_top5', 'train/loss', 'train/acc', 'a', ''),
  fc.stringMatching(/^[a-z_/0-9]{1,20}$/),
  fc.string({ unit: fc.constantFrom('a', 'b', '/', '_', ' ', '"', '\\', 'é', '\t', '.', '1'), maxLength: 14 }),
);

const numbers = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => d.toFixed(6)),
  fc.double({ min: 1e-9, max: 1, noNaN: true }).map((d) => d.toExponential(4)),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.constantFrom(
    '0',
    '-0.0',
    '.5',
    '5.',
    '+1',
    '1e',
    '1e-05',
    '1E+02',
    '1e400',
    '1e-400',
    '1e00022',
    '0.6931471824645996',
    '00012',
    '-',
    '',
    'NaN',
    'nan',
    'Infinity',
    '-inf',
    '"0.5"',
    'true',
    'null',
    '1 ',
    ' 1',
    '1.5.2',
  ),
);

/** Mostly `good`, sometimes one of `others`: lines near the common shape, and look-alikes. */
const mostly = (good: string, ...others: string[]) =>
  fc.oneof({ arbitrary: fc.constant(good), weight: 6 }, { arbitrary: fc.constantFrom(...others), weight: 1 });

const lineShape = fc.record({
  head: mostly('{"metric": "', '{"metric":"', '{ "metric": "', '{"metrics": "', '{"metric": \''),
  // Held names of every length modulo 4, names sharing their first 12 bytes, and any other name.
  name: fc.oneof(
    {
      arbitrary: fc.constantFrom('a', 'lr', 'acc', 'loss', 'val_loss', 'val_accuracy', 'val_accuracy_top5'),
      weight: 4,
    },
    { arbitrary: names, weight: 1 },
  ),
  key: mostly(
    '", "value": ',
    '","value":',
    '", "valu": ',
    '", "value":',
    '", "value" : ',
    '", "value":  ',
    '", "value";',
  ),
  value: numbers,
  step: fc.option(
    fc.record({
      key: mostly(', "step": ', ',"step":', ', "epoch": ', ', "at": ', ', "stepx": ', ', "step":', ', "step";'),
      value: numbers,
    }),
  ),
  close: mostly('}', '} ', '}}', '', ']'),
});

const lines = fc.array(
  lineShape.map(
    ({ head, name, key, value, step, close }) =>
      `${head}${name}${key}${value}${step === null ? '' : `${step.key}${step.value}`}${close}`,
  ),
  { maxLength: 40 },
);

describe('JSON metric lines read from bytes', () => {
  it('reads the common shapes, held names and all', () => {
    const input = [
      '{"metric": "loss", "value": 0.693100}',
      '{"metric": "lr", "value": 9.9010e-05, "step": 12}',
      '{"metric": "loss", "value": 0.5}',
      '{"metric": "lr", "value": -0.0, "step": 13}',
    ];
    const { sink, byBytes } = readWithBytes(input);
    expect(byBytes).toBe(4);
    expect(sink.points).toEqual(readAsText(input).points);
  });

  it('tells a held name from a longer one, and names sharing their first 12 bytes apart', () => {
    const input = [
      '{"metric": "m0/0", "value": 1}',
      '{"metric": "m0/0x", "value": 2}',
      '{"metric": "m0/0", "value": 3}',
      '{"metric": "val_accuracy", "value": 4}',
      '{"metric": "val_accuracy_top5", "value": 5}',
      '{"metric": "val_accuracy", "value": 6}',
      '{"metric": "val_accuracy_top5", "value": 7}',
    ];
    const { sink } = readWithBytes(input);
    expect(sink.points.map((p) => [p.name, p.value])).toEqual([
      ['m0/0', 1],
      ['m0/0x', 2],
      ['m0/0', 3],
      ['val_accuracy', 4],
      ['val_accuracy_top5', 5],
      ['val_accuracy', 6],
      ['val_accuracy_top5', 7],
    ]);
  });

  it('leaves escapes, non-ASCII names, nan and other keys to the text path', () => {
    const input = [
      '{"metric": "a\\"b", "value": 1}',
      '{"metric": "é", "value": 1}',
      '{"metric": "loss", "value": NaN}',
      '{"metric": "loss", "value": 1, "epoch": 2}',
      '{"metric": "loss", "value": "high"}',
    ];
    expect(readWithBytes(input).byBytes).toBe(0);
  });

  it('gives the same points and rejections as the text path on any sequence of lines', () => {
    fc.assert(
      fc.property(lines, (input) => {
        const { sink } = readWithBytes(input);
        const reference = readAsText(input);
        expect(sink.points).toEqual(reference.points);
        expect(sink.rejections).toEqual(reference.rejections);
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the same output through the parser, whatever the chunking, as when a run is not ASCII', () => {
    // A run of lines holding a non-ASCII byte is read as text only: that is the reference.
    fc.assert(
      fc.property(lines, fc.integer({ min: 1, max: 64 }), fc.constantFrom('\n', '\r\n'), (input, chunk, eol) => {
        const text = input.map((line) => `${line}${eol}`).join('');
        const viaBytes = parseAll(text, {}, chunk).sink;
        const reference = parseAll(`é${eol}${text}`).sink;
        expect(viaBytes.points).toEqual(reference.points);
        expect(viaBytes.rejections).toEqual(reference.rejections);
        expect(viaBytes.lines.map((l) => l.text)).toEqual(reference.lines.slice(1).map((l) => l.text));
      }),
      { numRuns: 500 },
    );
  });
});
