import type { Store } from '@trainscope/core';

/** Ingests values `from..from+count-1` (value = point number) into one series, x = point number. */
export function ingestRange(store: Store, seriesId: number, from: number, count: number): void {
  const series = new Uint32Array(count).fill(seriesId);
  const x = new Float64Array(count);
  const time = new Float64Array(count);
  const value = new Float64Array(count);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    x[i] = from + i;
    time[i] = now + i;
    value[i] = from + i;
  }
  store.ingestor.ingest({ length: count, series, x, time, value });
}
