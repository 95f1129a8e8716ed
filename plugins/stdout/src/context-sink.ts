import { BatchBuilder, type PluginContext, type SeriesDef } from '@trainscope/core';
import { flatCopy } from './flat-copy.js';
import type { LineMetadata, OutputStream, ParserSink, RejectReason, XAxis } from './sink.js';

/**
 * The parser's sink inside a run: names become series ids (defined once, kind `training`, the x
 * axis named `step` or `epoch`), points gather in a columnar batch that `flush()` hands to
 * `context.ingest`, lines go to `context.log`, and first rejections to the run log as warnings.
 */
export class ContextSink implements ParserSink {
  #ids = new Map<string, number>();
  #batch = new BatchBuilder(1024);

  constructor(
    readonly context: PluginContext,
    readonly logLines: boolean,
  ) {}

  point(name: string, value: number, x: number, time: number, axis: XAxis): void {
    let id = this.#ids.get(name);
    if (id === undefined) {
      // Kept for the run: a copy, not a slice holding the chunk the name was read from.
      const kept = flatCopy(name);
      const def: SeriesDef = { name: kept, kind: 'training', type: 'gauge' };
      if (axis !== 'none') def.xScale = { name: axis };
      try {
        id = this.context.series(def);
      } catch (error) {
        this.context.logger.error('stdout: could not define series', { name, error: String(error) });
        return;
      }
      this.#ids.set(kept, id);
    }
    this.#batch.push(id, value, time, x);
  }

  line(text: string, stream: OutputStream, time: number, metadata: LineMetadata | undefined): void {
    if (!this.logLines) return;
    this.context.log(
      metadata === undefined ? { text, stream, time } : { text, stream, time, metadata: { ...metadata } },
    );
  }

  reject(reason: RejectReason, name: string, message: string): void {
    this.context.logger.warn(`stdout: ${message}`, { reason, name });
    this.context.log({
      text: `trainscope stdout: ${message}`,
      stream: 'system',
      level: 'warn',
      metadata: { reason, name },
    });
  }

  /** Hands the points gathered so far to the ingestor as one batch. */
  flush(): void {
    if (this.#batch.length === 0) return;
    this.context.ingest(this.#batch.take());
  }
}
