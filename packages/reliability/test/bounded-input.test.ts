import { LineSplitter, PointMapper, RejectionTally } from '@trainscope/plugin-jsonl';
import { parseStatsdPacket } from '@trainscope/plugin-statsd';
import { createStdoutParser, type LineMetadata } from '@trainscope/plugin-stdout';
import { describe, expect, it } from 'vitest';
import { RecordingSink } from '../src/recording-sink.js';

// Oversized input must be cut or refused as it arrives, never gathered whole.
const MiB = 1 << 20;
const chunk = Buffer.alloc(MiB, 0x61);

describe('oversized input is bounded', () => {
  it('stdout: a 64 MiB line without a newline is logged cut to maxLineBytes and counted, and the next line parses', () => {
    const lines: { text: string; metadata: LineMetadata | undefined }[] = [];
    const points: number[] = [];
    const parser = createStdoutParser(
      {
        point: (_name, value) => points.push(value),
        line: (text, _stream, _time, metadata) => lines.push({ text, metadata }),
        reject() {},
      },
      { maxLineBytes: 64 * 1024 },
    );
    for (let i = 0; i < 64; i++) parser.push(chunk, 'stdout', 0);
    parser.push('\n{"metric": "m", "value": 7}\n', 'stdout', 0);
    parser.end('stdout', 0);
    expect(lines[0]?.text.length).toBeLessThanOrEqual(64 * 1024);
    expect(lines[0]?.metadata).toMatchObject({ truncated: true, bytes: 64 * MiB });
    expect(parser.stats().rejected['line_too_long']).toBe(1);
    expect(points).toEqual([7]);
  });

  it('JSON-lines: a 64 MiB line is skipped as oversized while read, and the next record is read', () => {
    const sink = new RecordingSink();
    const tally = new RejectionTally((line) => sink.log(line));
    const mapper = new PointMapper(sink, tally, {});
    const splitter = new LineSplitter(MiB);
    let n = 0;
    let held = 0;
    const take = (split: (string | null)[]) => {
      for (const line of split) mapper.line(line, 'big.jsonl', ++n, 0);
    };
    for (let i = 0; i < 64; i++) {
      take(splitter.push(chunk));
      held = Math.max(held, splitter.pending);
    }
    take(splitter.push(Buffer.from('\n{"step": 1, "loss": 0.5}\n')));
    take(splitter.end());
    mapper.flush();
    expect(held).toBeLessThanOrEqual(MiB);
    expect(tally.counts()).toEqual({ oversized: 1 });
    expect(sink.points.map((p) => [p.name, p.value])).toEqual([['loss', 0.5]]);
  });

  it('statsd: a packet over maxPacketSize is refused whole, without being read', () => {
    const { samples, rejections } = parseStatsdPacket(Buffer.alloc(65_537, 0x61));
    expect(samples).toEqual([]);
    expect(rejections).toEqual([{ reason: 'oversized', text: '65537 bytes' }]);
  });
});
