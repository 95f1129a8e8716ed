import type { ApiSeries } from '@trainscope/client';

/** One chart of a dashboard: a title and the series drawn together. */
export interface ChartGroup {
  key: string;
  title: string;
  seriesIds: number[];
}

/** A run's series laid out like FloydHub's job overview: system metrics, then training metrics. */
export interface DashboardLayout {
  system: ChartGroup[];
  training: ChartGroup[];
}

const SYSTEM_ORDER = ['cpu', 'memory', 'disk', 'gpu', 'network', 'host'];

const TITLES: Record<string, string> = {
  cpu: 'CPU',
  memory: 'Memory',
  disk: 'Disk',
  network: 'Network',
  'host/cpu': 'Host CPU',
  'host/memory': 'Host memory',
};

function systemTitle(prefix: string, unit: string): string {
  const gpu = /^gpu\/(\d+)(?:\/(.*))?$/.exec(prefix);
  const base = gpu ? `GPU ${gpu[1]}${gpu[2] ? ` ${gpu[2].replace(/\//g, ' ')}` : ''}` : (TITLES[prefix] ?? prefix);
  return unit ? `${base} (${unit})` : base;
}

function systemRank(prefix: string): number {
  const first = prefix.split('/')[0] ?? '';
  const i = SYSTEM_ORDER.indexOf(first);
  return i < 0 ? SYSTEM_ORDER.length : i;
}

/**
 * Groups a run's series into charts. System series share a chart when they share a prefix and a
 * unit (`gpu/0/utilization` and `gpu/0/memory_utilization`, both fractions), with a series'
 * window extremes (`cpu/usage_cores/min`, `/max`) beside it; training series
 * share a chart per Coflux group, else per first name segment (`train/loss`, `train/acc`).
 */
export function dashboardLayout(series: readonly ApiSeries[]): DashboardLayout {
  const system = new Map<string, ChartGroup & { rank: number }>();
  const training = new Map<string, ChartGroup>();
  const systemNames = new Set(series.filter((s) => s.kind === 'system').map((s) => s.name));
  for (const s of series) {
    const parts = s.name.split('/');
    if (s.kind === 'system') {
      // `name/min` and `name/max` (the extremes of each reporting window) join `name`'s chart.
      const extreme = /^(.*)\/(?:min|max)$/.exec(s.name);
      const base = extreme && systemNames.has(extreme[1] as string) ? (extreme[1] as string) : s.name;
      const baseParts = base.split('/');
      const prefix = baseParts.length > 1 ? baseParts.slice(0, -1).join('/') : base;
      // Per-process GPU memory lines join their GPU's memory chart.
      const family = prefix.replace(/^(gpu\/\d+)\/process\/\d+$/, '$1');
      const unit = s.unit ?? '';
      const key = `${family}|${unit}`;
      let g = system.get(key);
      if (!g) {
        g = { key, title: systemTitle(family, unit), seriesIds: [], rank: systemRank(family) };
        system.set(key, g);
      }
      g.seriesIds.push(s.id);
      continue;
    }
    const group = s.group ?? (parts.length > 1 ? (parts[0] as string) : 'metrics');
    let g = training.get(group);
    if (!g) {
      g = { key: group, title: group, seriesIds: [] };
      training.set(group, g);
    }
    g.seriesIds.push(s.id);
  }
  const sys = [...system.values()]
    .sort((a, b) => a.rank - b.rank || a.title.localeCompare(b.title, undefined, { numeric: true }))
    .map(({ rank: _rank, ...g }) => g);
  return { system: sys, training: [...training.values()] };
}
