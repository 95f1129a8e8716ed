import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createStdoutParser,
  type Format,
  type LineMetadata,
  type OutputStream,
  type ParserSink,
  type RejectReason,
  type StdoutParser,
  type StdoutParserOptions,
  type XAxis,
} from '../../src/index.js';

export interface RecordedPoint {
  name: string;
  value: number;
  x: number;
  time: number;
  axis: XAxis;
  format: Format;
}

export interface RecordedLine {
  text: string;
  stream: OutputStream;
  time: number;
  metadata: LineMetadata | undefined;
}

export interface RecordedRejection {
  reason: RejectReason;
  name: string;
  message: string;
}

/** A sink that keeps everything the parser hands out, in order. */
export class RecordingSink implements ParserSink {
  readonly points: RecordedPoint[] = [];
  readonly lines: RecordedLine[] = [];
  readonly rejections: RecordedRejection[] = [];

  point(name: string, value: number, x: number, time: number, axis: XAxis, format: Format): void {
    this.points.push({ name, value, x, time, axis, format });
  }

  line(text: string, stream: OutputStream, time: number, metadata: LineMetadata | undefined): void {
    this.lines.push({ text, stream, time, metadata });
  }

  reject(reason: RejectReason, name: string, message: string): void {
    this.rejections.push({ reason, name, message });
  }

  /** Points of one series as [x, value] pairs. */
  series(name: string): [number, number][] {
    return this.points.filter((p) => p.name === name).map((p) => [p.x, p.value]);
  }

  names(): string[] {
    return [...new Set(this.points.map((p) => p.name))];
  }
}

/** A parser wired to a fresh recording sink. */
export function recordingParser(options: StdoutParserOptions = {}): { parser: StdoutParser; sink: RecordingSink } {
  const sink = new RecordingSink();
  return { parser: createStdoutParser(sink, options), sink };
}

/** Parses a whole text (or bytes) on one stream, optionally cut into chunks of `chunkSize` bytes. */
export function parseAll(
  input: string | Uint8Array,
  options: StdoutParserOptions = {},
  chunkSize = Number.POSITIVE_INFINITY,
): { sink: RecordingSink; parser: StdoutParser } {
  const { parser, sink } = recordingParser(options);
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  for (let i = 0; i < bytes.length; i += chunkSize) {
    parser.push(bytes.subarray(i, Math.min(bytes.length, i + chunkSize)), 'stdout', 1000);
  }
  parser.end('stdout', 1000);
  return { sink, parser };
}

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fixture's bytes. */
export function fixture(path: string): Buffer {
  return readFileSync(join(fixturesDir, path));
}

/** A fixture read as JSON. */
export function fixtureJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(fixturesDir, path), 'utf8')) as T;
}
