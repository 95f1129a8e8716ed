import type { Output } from '../output.js';
import { keySeries, num, runJson, withStore } from '../store-access.js';

/** `trainscope ls`: runs with status and key summaries, newest first. */
export async function lsCommand(
  options: { dir?: string; project?: string; status?: string; json?: boolean; limit: number },
  out: Output,
): Promise<number> {
  return withStore(options.dir, async (store) => {
    const runs = await store.listRuns({
      ...(options.project ? { project: options.project } : {}),
      ...(options.status ? { status: options.status as 'running' } : {}),
      limit: options.limit,
    });
    const rows = [];
    for (const run of runs) {
      const series = keySeries(await store.listSeries(run.id));
      const summaries = await store.summaries(series.map((s) => s.id));
      const metrics = Object.fromEntries(series.map((s, i) => [s.name, summaries[i]?.last ?? null]));
      rows.push({ run, metrics });
    }
    if (options.json) {
      out.print(
        JSON.stringify(
          rows.map(({ run, metrics }) => ({ ...runJson(run), metrics })),
          null,
          2,
        ),
      );
      return 0;
    }
    if (rows.length === 0) {
      out.print('No runs yet. Record one with: trainscope run -- python train.py');
      return 0;
    }
    const table = rows.map(({ run, metrics }) => [
      run.id,
      run.project,
      run.name,
      run.status + (run.exitCode !== null && run.exitCode !== 0 ? ` (${run.exitCode})` : ''),
      new Date(run.createdAt).toISOString().replace('T', ' ').slice(0, 19),
      duration(run.startedAt, run.endedAt),
      Object.entries(metrics)
        .map(([k, v]) => `${k}=${num(v)}`)
        .join('  '),
    ]);
    out.print(formatTable(['ID', 'PROJECT', 'NAME', 'STATUS', 'CREATED (UTC)', 'DURATION', 'METRICS'], table));
    return 0;
  });
}

function duration(start: number | null, end: number | null): string {
  if (start === null) return '-';
  const s = Math.max(0, Math.round(((end ?? Date.now()) - start) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Left-aligned columns separated by two spaces. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
