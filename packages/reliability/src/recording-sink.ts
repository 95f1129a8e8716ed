import type { LogInput, PointBatch, SeriesDef } from '@trainscope/core';

/** One point as a sink received it. */
export interface RecordedPoint {
  name: string;
  x: number;
  time: number;
  value: number;
}

/**
 * A plugin-context-shaped sink (`series`, `ingest`, `log`) that keeps everything in memory, for
 * feeding parsers generated input without a store. Series ids are handed out in order from 1.
 */
export class RecordingSink {
  readonly points: RecordedPoint[] = [];
  readonly logs: LogInput[] = [];
  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [''];

  series(def: SeriesDef): number {
    const key = `${def.name}\u0000${JSON.stringify(def.labels ?? {})}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.#names.length;
      this.#ids.set(key, id);
      this.#names.push(def.name);
    }
    return id;
  }

  ingest(batch: PointBatch): void {
    for (let i = 0; i < batch.length; i++) {
      this.points.push({
        name: this.#names[batch.series[i] as number] ?? '?',
        x: batch.x[i] as number,
        time: batch.time[i] as number,
        value: batch.value[i] as number,
      });
    }
  }

  log(line: LogInput): void {
    this.logs.push(line);
  }
}
