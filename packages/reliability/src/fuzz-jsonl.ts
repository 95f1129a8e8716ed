import { LineSplitter, PointMapper, RejectionTally, RejectReason } from '@trainscope/plugin-jsonl';
import fc from 'fast-check';
import { chunked, finiteValue, hostileBytes, hostileText, metricName, mutated } from './arbitraries.js';
import { expectThat, type FuzzTarget, isSubsequence, sameNumber } from './fuzz-target.js';
import { RecordingSink } from './recording-sink.js';

interface Valid {
  name: string;
  value: number;
  step: number;
}

/** A generated JSON-lines file: its lines, the valid records among them, and read cut points. */
export interface JsonlInput {
  lines: (string | Uint8Array)[];
  valid: (Valid | null)[];
  cuts: number[];
}

const AXIS_FIELDS = new Set(['step', 'epoch', 'timestamp', 'index', 'data', 'value', 'at']);
const record = fc
  .record({
    name: metricName.filter((n) => !AXIS_FIELDS.has(n.split('/')[0] as string)),
    value: finiteValue,
    step: fc.integer({ min: 0, max: 2 ** 40 }),
  })
  .map((v) => ({ v, text: JSON.stringify({ step: v.step, [v.name]: v.value }) }));

const lookalike = fc.oneof(
  fc.constantFrom(
    '{"step": NaN, "loss": Infinity, "acc": -Infinity}',
    '{"index": 0, "data": {"loss": 1}, "createdAt": "2024-01-01T00:00:00Z"}',
    '{"a": {"b": {"c": 1}}, "timestamp": "not a time"}',
    '{"loss": "0.5", "ok": true, "n": null, "l": [1, 2]}',
    '[1, 2, 3]',
    '{"a\\u0000b": 1}',
    `{"${'x'.repeat(600)}": 1}`,
  ),
  record.map((r) => r.text),
);

const KNOWN = Object.values(RejectReason) as string[];
const encoder = new TextEncoder();

/**
 * JSON-lines / ml-dash records through the JS reader (line splitter, record mapper, rejection
 * tally): never throws, counts every refused line under a known reason, stores each valid
 * record's field exactly, and reads the same whatever the chunking of the file.
 */
export const jsonlTarget: FuzzTarget<JsonlInput> = {
  name: 'jsonl',
  arbitrary: fc
    .array(
      fc.oneof(
        record.map((r) => ({ text: r.text as string | Uint8Array, v: r.v as Valid | null })),
        fc.oneof(hostileText, mutated(lookalike)).map((text) => ({ text: text as string | Uint8Array, v: null })),
        hostileBytes.map((text) => ({ text: text as string | Uint8Array, v: null })),
      ),
      { maxLength: 12 },
    )
    .chain((entries) =>
      fc.array(fc.nat(), { maxLength: 5 }).map((cuts) => ({
        lines: entries.map((e) => e.text),
        valid: entries.map((e) => e.v),
        cuts,
      })),
    ),
  check({ lines, valid, cuts }) {
    const parts = lines.map((l) => (typeof l === 'string' ? encoder.encode(l) : l));
    const bytes = Buffer.alloc(parts.reduce((n, p) => n + p.length + 1, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
      bytes[at++] = 10;
    }
    const read = (chunks: Uint8Array[]) => {
      const sink = new RecordingSink();
      const tally = new RejectionTally((line) => sink.log(line));
      const mapper = new PointMapper(sink, tally, {});
      const splitter = new LineSplitter(2048);
      let lineNo = 0;
      const take = (split: (string | null)[]) => {
        for (const line of split) mapper.line(line, 'fuzz.jsonl', ++lineNo, 1_700_000_000_000);
      };
      for (const chunk of chunks) take(splitter.push(Buffer.from(chunk)));
      take(splitter.end());
      mapper.flush();
      return { sink, counts: tally.counts() };
    };
    const one = read([bytes]);
    for (const reason of Object.keys(one.counts)) {
      expectThat(KNOWN.includes(reason), `unknown rejection reason "${reason}"`);
    }
    const wanted = valid.flatMap((v) => (v ? [v] : []));
    expectThat(
      isSubsequence(
        wanted,
        one.sink.points,
        (w, p) => w.name === p.name && sameNumber(w.value, p.value) && sameNumber(w.step, p.x),
      ),
      'a valid record did not give its point',
      { wanted, points: one.sink.points },
    );
    const split = read(chunked(bytes, cuts));
    expectThat(
      JSON.stringify(split.sink.points) === JSON.stringify(one.sink.points) &&
        JSON.stringify(split.counts) === JSON.stringify(one.counts),
      'cutting the file into other chunks changed what was read',
    );
    return one.counts;
  },
};
