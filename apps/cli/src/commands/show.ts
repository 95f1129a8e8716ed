import type { Output } from '../output.js';
import { num, runJson, withStore } from '../store-access.js';
import { formatTable } from './ls.js';

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of per-bucket means of the M4 first/last/min/max, NaN shown as a gap. */
export function sparkline(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      const k = hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[k];
    })
    .join('');
}

/** `trainscope show RUN`: status, params, and per series last/min/max with a sparkline. */
export async function showCommand(
  runId: string,
  options: { dir?: string; json?: boolean },
  out: Output,
): Promise<number> {
  return withStore(options.dir, async (store) => {
    const run = await store.getRun(runId);
    const series = await store.listSeries(run.id);
    const summaries = await store.summaries(series.map((s) => s.id));
    if (options.json) {
      out.print(
        JSON.stringify(
          {
            ...runJson(run),
            series: series.map((s, i) => ({
              id: s.id,
              name: s.name,
              kind: s.kind,
              type: s.type,
              labels: s.labels,
              count: summaries[i]?.count ?? 0,
              last: summaries[i]?.last ?? null,
              min: summaries[i]?.min ?? null,
              max: summaries[i]?.max ?? null,
              mean: summaries[i]?.mean ?? null,
              std: summaries[i]?.std ?? null,
            })),
          },
          (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
          2,
        ),
      );
      return 0;
    }
    const lines = [
      `run ${run.id}  ${run.project}/${run.name}`,
      `status   ${run.status}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}`,
      `started  ${run.startedAt ? new Date(run.startedAt).toISOString() : '-'}`,
      `ended    ${run.endedAt ? new Date(run.endedAt).toISOString() : '-'}`,
    ];
    if (Object.keys(run.params).length) lines.push(`params   ${JSON.stringify(run.params)}`);
    if (run.errorMessage) lines.push(`error    ${run.errorMessage.split('\n').join('\n         ')}`);
    out.print(lines.join('\n'));
    const rows: string[][] = [];
    for (const [i, s] of series.entries()) {
      const sum = summaries[i];
      const chart = await store.chart({ seriesId: s.id, width: 32 });
      const b = chart.buckets;
      const means = Array.from({ length: b.length }, (_, k) => ((b.minV[k] as number) + (b.maxV[k] as number)) / 2);
      rows.push([s.name, String(sum?.count ?? 0), num(sum?.last), num(sum?.min), num(sum?.max), sparkline(means)]);
    }
    out.print('');
    out.print(rows.length ? formatTable(['SERIES', 'POINTS', 'LAST', 'MIN', 'MAX', ''], rows) : 'no series recorded');
    return 0;
  });
}
