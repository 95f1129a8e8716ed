import { createReadStream } from 'node:fs';
import { type JsonlSink, LineSplitter, PointMapper, RejectionTally, type SplitLine } from '@trainscope/plugin-jsonl';
import type { Progress } from './progress.js';

/**
 * Reads a JSON-lines file into `sink` as `importJsonlFile` does with its JS parser (1 MiB reads,
 * the same line splitter, point mapper and rejection reports), counting the bytes read on `bar`:
 * the plugin's function reports no progress. `signal` stops a read that waits (a pipe).
 */
export async function importJsonlLines(
  path: string,
  sink: JsonlSink,
  bar: Progress,
  signal?: AbortSignal,
): Promise<{ points: number; records: number; rejected: Record<string, number> }> {
  const time = Date.now();
  const tally = new RejectionTally((line) => sink.log(line));
  const mapper = new PointMapper(sink, tally);
  const splitter = new LineSplitter();
  let lineNo = 0;
  const take = (lines: SplitLine[]) => {
    for (const line of lines) mapper.line(line, path, ++lineNo, time);
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) {
    take(splitter.push(chunk as Buffer));
    bar.add((chunk as Buffer).length);
  }
  take(splitter.end());
  mapper.flush();
  tally.summarize(path);
  return { points: mapper.points, records: mapper.records, rejected: tally.counts() };
}
