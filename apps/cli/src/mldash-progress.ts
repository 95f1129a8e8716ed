import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type JsonlSink, MLDASH_LABELS } from '@trainscope/plugin-jsonl';
import type { Progress } from './progress.js';

/**
 * Bytes of each metric file of an ml-dash experiment, by metric name, found as the ml-dash import
 * finds them: `metrics/<a>/<b>/data.jsonl` is metric `a/b`, `metrics/<name>.jsonl` is `name`.
 */
export async function metricFileSizes(experimentDir: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const walk = async (dir: string, prefix: string[]): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const metric =
        e.isFile() && e.name === 'data.jsonl' && prefix.length > 0
          ? prefix.join('/')
          : e.isFile() && prefix.length === 0 && e.name.endsWith('.jsonl')
            ? e.name.slice(0, -'.jsonl'.length)
            : undefined;
      if (metric !== undefined) sizes.set(metric, (await stat(join(dir, e.name))).size);
      else if (e.isDirectory()) await walk(join(dir, e.name), [...prefix, e.name]);
    }
  };
  await walk(join(experimentDir, 'metrics'), []);
  return sizes;
}

/**
 * A sink that passes everything to `sink` and counts a metric file's bytes on `bar` once its points
 * are handed over (the importer reads, parses and ingests one metric file at a time, and labels
 * each series with its metric). `check` runs before each step, so an interrupt stops the import
 * between metric files. `done()` counts what is left (files with no usable field, say).
 */
export function progressSink(
  sink: JsonlSink,
  sizes: ReadonlyMap<string, number>,
  bar: Progress,
  check: () => void,
): JsonlSink & { done(): void } {
  const counted = new Set<string>();
  let current: string | undefined;
  const count = (metric: string | undefined) => {
    if (metric === undefined || counted.has(metric)) return;
    counted.add(metric);
    bar.add(sizes.get(metric) ?? 0);
  };
  return {
    series: (def) => {
      check();
      const metric = def.labels?.[MLDASH_LABELS.metric];
      if (typeof metric === 'string' && metric !== current) {
        count(current);
        current = metric;
      }
      return sink.series(def);
    },
    ingest: (batch) => {
      check();
      sink.ingest(batch);
      count(current);
    },
    log: (line) => sink.log(line),
    done: () => {
      // In one step: what is left was not read as points, so it shows no progress of its own.
      let rest = 0;
      for (const [metric, bytes] of sizes) {
        if (counted.has(metric)) continue;
        counted.add(metric);
        rest += bytes;
      }
      if (rest > 0) bar.add(rest);
    },
  };
}
