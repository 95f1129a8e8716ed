import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { JsonlImportOptions, JsonlImportResult } from './import-result.js';
import { LineSplitter, type SplitLine } from './line-splitter.js';
import { PointMapper } from './point-mapper.js';
import { RejectionTally } from './rejection-tally.js';
import type { JsonlSink } from './sink.js';

/** Options of `importJsonlWithJs`. */
export interface JsJsonlImportOptions extends JsonlImportOptions {
  /** Called after each read with the bytes it took (a progress bar's feed). @default none */
  onBytes?: (bytes: number) => void;
  /** Stops the read, rejecting with an AbortError (a pipe that never ends). @default none */
  signal?: AbortSignal;
}

/**
 * Reads a JSON-lines file with the JS parser (streamed, 1 MiB reads, one UTF-8 decode per read)
 * and hands its points to `sink`. Bad lines are counted and reported with their line number.
 */
export async function importJsonlWithJs(
  path: string,
  sink: JsonlSink,
  options: JsJsonlImportOptions = {},
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
  const stream = createReadStream(path, {
    highWaterMark: 1 << 20,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const chunk of stream) {
    take(splitter.push(chunk as Buffer));
    options.onBytes?.((chunk as Buffer).length);
  }
  take(splitter.end());
  mapper.flush();
  tally.summarize(label);
  return { engine: 'js', bytes: size, records: mapper.records, points: mapper.points, rejected: tally.counts() };
}
