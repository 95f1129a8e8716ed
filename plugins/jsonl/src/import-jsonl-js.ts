import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { JsonlImportOptions, JsonlImportResult } from './import-result.js';
import { LineSplitter, type SplitLine } from './line-splitter.js';
import { PointMapper } from './point-mapper.js';
import { RejectionTally } from './rejection-tally.js';
import type { JsonlSink } from './sink.js';

/**
 * Reads a JSON-lines file with the JS parser (streamed, 1 MiB reads, one UTF-8 decode per read)
 * and hands its points to `sink`. Bad lines are counted and reported with their line number.
 */
export async function importJsonlWithJs(
  path: string,
  sink: JsonlSink,
  options: JsonlImportOptions = {},
): Promise<JsonlImportResult> {
  const label = options.label ?? path;
  const time = options.time ?? Date.now();
  const { size } = await stat(path);
  const tally = new RejectionTally((line) => sink.log(line));
  const mapper = new PointMapper(sink, tally, {
    prefix: options.prefix,
    batchSize: options.batchSize,
    mldashRecords: options.mldashRecords,
  });
  const splitter = new LineSplitter(options.maxLineBytes);
  let lineNo = 0;
  const take = (lines: SplitLine[]) => {
    for (const line of lines) mapper.line(line, label, ++lineNo, time);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) take(splitter.push(chunk as Buffer));
  take(splitter.end());
  mapper.flush();
  tally.summarize(label);
  return { engine: 'js', bytes: size, records: mapper.records, points: mapper.points, rejected: tally.counts() };
}
