import { createStdoutParser, type ParserSink, RejectReason } from '@trainscope/plugin-stdout';
import fc from 'fast-check';
import { chunked, finiteValue, hostileBytes, hostileText, metricName, mutated } from './arbitraries.js';
import { expectCounted, expectThat, type FuzzTarget, isSubsequence, sameNumber } from './fuzz-target.js';

interface ValidLine {
  name: string;
  value: number;
  step: number;
}

type StdoutLine = { valid: ValidLine; text: string } | { valid: null; text: string | Uint8Array };

/** Generated stdout: lines (valid JSON metric lines among hostile ones) and where chunks are cut. */
export interface StdoutInput {
  lines: StdoutLine[];
  cuts: number[];
}

const validLine: fc.Arbitrary<StdoutLine> = fc
  .record({ name: metricName, value: finiteValue, step: fc.integer({ min: 0, max: 2 ** 40 }) })
  .map((valid) => ({
    valid,
    text: JSON.stringify({ metric: valid.name, value: valid.value, step: valid.step }),
  }));

const lookalike = fc.oneof(
  fc.constantFrom(
    'Epoch 1/3',
    '100/100 [==============================] - 1s 10ms/step - loss: 0.5 - accuracy: nan',
    "{'loss': 0.69, 'learning_rate': 5e-05, 'epoch': 0.25}",
    ' 50%|█████     | 5/10 [00:01<00:01, 4.00it/s, loss=0.3, acc=inf]',
    '{"metric": "a", "value": "NaN"}',
    '{"metric": "a/../b", "value": 1}',
  ),
  validLine.map((l) => l.text as string),
);

const hostileLine: fc.Arbitrary<StdoutLine> = fc.oneof(
  hostileText.map((text) => ({ valid: null, text })),
  hostileBytes.map((text) => ({ valid: null, text })),
  mutated(lookalike).map((text) => ({ valid: null, text })),
);

const KNOWN = Object.values(RejectReason) as string[];
const encoder = new TextEncoder();

interface Seen {
  points: { name: string; value: number; x: number; format: string }[];
  lines: number;
  reported: string[];
}

function parse(chunks: Uint8Array[]): Seen & { counts: Record<string, number> } {
  const seen: Seen = { points: [], lines: 0, reported: [] };
  const sink: ParserSink = {
    point: (name, value, x, _time, _axis, format) => seen.points.push({ name, value, x, format }),
    line: () => {
      seen.lines++;
    },
    reject: (reason) => seen.reported.push(reason),
  };
  const parser = createStdoutParser(sink, { maxLineBytes: 4096 });
  for (const chunk of chunks) parser.push(chunk, 'stdout', 1_700_000_000_000);
  parser.end('stdout', 1_700_000_000_000);
  return { ...seen, counts: parser.stats().rejected };
}

/**
 * The stdout parser: never throws, counts every refusal under a known reason, reads each valid
 * JSON metric line into exactly its point, and gives the same result however the bytes are cut.
 */
export const stdoutTarget: FuzzTarget<StdoutInput> = {
  name: 'stdout',
  arbitrary: fc.record({
    lines: fc.array(fc.oneof(validLine, hostileLine), { maxLength: 12 }),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  }),
  check({ lines, cuts }) {
    const parts = lines.map((l) => (typeof l.text === 'string' ? encoder.encode(l.text) : l.text));
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
    let at = 0;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
      whole[at++] = 10;
    }
    const one = parse([whole]);
    expectCounted(one.reported, one.counts, KNOWN);
    const wanted = lines.flatMap((l) => (l.valid ? [l.valid] : []));
    const json = one.points.filter((p) => p.format === 'json');
    expectThat(
      isSubsequence(
        wanted,
        json,
        (w, p) => w.name === p.name && sameNumber(w.value, p.value) && sameNumber(w.step, p.x),
      ),
      'a valid JSON metric line did not give its point',
      { wanted, json },
    );
    const split = parse(chunked(whole, cuts));
    expectThat(
      JSON.stringify(split.points) === JSON.stringify(one.points) && split.lines === one.lines,
      'cutting the output into other chunks changed what was read',
      { whole: one.points, split: split.points },
    );
    return one.counts;
  },
};
