import uPlot from 'uplot';
import type { AxisScaleInfo } from './chart-input.js';
import type { NonFiniteMark, TraceVertices } from './trace-vertices.js';
import { axisLabel, type XAxisMode } from './x-axis.js';

/** A trace ready to plot. */
export interface PlotTrace {
  key: string;
  label: string;
  color: string;
  /** y scale key; traces with the same key share a y axis. */
  scaleKey: string;
  scale: AxisScaleInfo | undefined;
  unit: string | undefined;
  visible: boolean;
  vertices: TraceVertices;
  /** Smoothed line aligned with the vertices, or null when smoothing is off. */
  smooth: (number | null)[] | null;
}

/** Where each trace landed among uPlot's series (index 0 is x). */
export interface TraceSlots {
  line: number;
  smooth: number | null;
  hi: number;
  lo: number;
}

/** Settings a plot is built from. */
export interface PlotSettings {
  mode: XAxisMode;
  logX: boolean;
  logY: boolean;
  smoothing: number;
  width: number;
  height: number;
  xScale: AxisScaleInfo | undefined;
  colors: { fg: string; muted: string; grid: string; nan: string; bandAlpha: number };
}

/** Callbacks the plot reports through. */
export interface PlotHooks {
  /** A range was dragged out on the plot (display units). */
  onSelect(min: number, max: number): void;
  onCursor(u: uPlot): void;
  marks(): { marks: NonFiniteMark[]; color: string; visible: boolean }[];
}

type Column = (number | null | undefined)[];

/** Aligned data of all traces (joined on x when there are several) and where each trace sits. */
export function plotData(traces: readonly PlotTrace[]): { data: uPlot.AlignedData; slots: TraceSlots[] } {
  const slots: TraceSlots[] = [];
  const tables: uPlot.AlignedData[] = [];
  const modes: number[][] = [];
  let next = 1;
  for (const t of traces) {
    const v = t.vertices;
    const table: Column[] = [v.x, v.y];
    const mode = [0, 1];
    const slot: TraceSlots = { line: next++, smooth: null, hi: 0, lo: 0 };
    if (t.smooth) {
      table.push(t.smooth);
      mode.push(1);
      slot.smooth = next++;
    }
    table.push(v.hi, v.lo);
    mode.push(1, 1);
    slot.hi = next++;
    slot.lo = next++;
    slots.push(slot);
    tables.push(table as unknown as uPlot.AlignedData);
    modes.push(mode);
  }
  if (tables.length === 0) return { data: [[]], slots };
  if (tables.length === 1) return { data: tables[0] as uPlot.AlignedData, slots };
  return { data: uPlot.join(tables, modes as uPlot.JoinNullMode[][]), slots };
}

function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (hex) {
    const n = Number.parseInt(hex[1] as string, 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/.exec(color);
  if (rgb) {
    const [r, g, b] = (rgb[1] as string).split(',').map((p) => p.trim());
    return `rgba(${r},${g},${b},${alpha})`;
  }
  return color;
}

function boundedRange(lower: number | undefined, upper: number | undefined, log: boolean): uPlot.Scale.Range {
  return (u, min, max) => {
    const auto = log
      ? uPlot.rangeLog(min, max, 10, true)
      : uPlot.rangeNum(min, max, { min: { pad: 0.05, soft: 0, mode: 3 }, max: { pad: 0.05, soft: 0, mode: 3 } });
    void u;
    return [lower ?? auto[0], upper ?? auto[1]];
  };
}

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** A y tick as a short label: 1.5k, 32.2G, 0.001. */
export function compactTick(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a < 1e4) return String(Number(v.toPrecision(6)));
  const e = Math.min(SI.length - 1, Math.floor(Math.log10(a) / 3));
  return `${Number((v / 10 ** (3 * e)).toPrecision(3))}${SI[e]}`;
}

/** uPlot options of a chart. */
export function plotOptions(
  traces: readonly PlotTrace[],
  slots: readonly TraceSlots[],
  settings: PlotSettings,
  hooks: PlotHooks,
): uPlot.Options {
  const { colors } = settings;
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  const scales: Record<string, uPlot.Scale> = {};
  const axes: uPlot.Axis[] = [];
  const wall = settings.mode === 'wall';
  const xs = settings.xScale;
  scales['x'] = {
    time: wall,
    distr: settings.logX && !wall ? 3 : 1,
    ...(xs?.lower !== undefined || xs?.upper !== undefined
      ? { range: boundedRange(xs?.lower, xs?.upper, settings.logX && !wall) }
      : {}),
  };
  axes.push({
    stroke: colors.muted,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1 },
    label: axisLabel(settings.mode, xs?.units),
    labelSize: 18,
    size: 36,
  });
  const yAxes: string[] = [];
  for (const t of traces) {
    if (scales[t.scaleKey]) continue;
    const s = t.scale;
    scales[t.scaleKey] = {
      distr: settings.logY ? 3 : 1,
      range: boundedRange(s?.lower, s?.upper, settings.logY),
    };
    yAxes.push(t.scaleKey);
    axes.push({
      scale: t.scaleKey,
      side: yAxes.length === 1 ? 3 : 1,
      stroke: colors.muted,
      grid: { show: yAxes.length === 1, stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1 },
      values: (_u, splits) => splits.map(compactTick),
      label: s?.units ?? t.unit ?? '',
      labelSize: s?.units || t.unit ? 18 : 0,
      size: 56,
    });
  }
  traces.forEach((t, i) => {
    const slot = slots[i] as TraceSlots;
    const smoothing = t.smooth !== null;
    series.push({
      label: t.label,
      scale: t.scaleKey,
      stroke: smoothing ? withAlpha(t.color, 0.3) : t.color,
      width: smoothing ? 1 : 1.5,
      show: t.visible,
      spanGaps: false,
    });
    if (smoothing) {
      series.push({
        label: `${t.label} (smoothed)`,
        scale: t.scaleKey,
        stroke: t.color,
        width: 2,
        show: t.visible,
        spanGaps: true,
        points: { show: false },
      });
    }
    for (const side of ['max', 'min']) {
      series.push({
        label: `${t.label} ${side}`,
        scale: t.scaleKey,
        stroke: 'transparent',
        width: 0,
        show: t.visible,
        points: { show: false },
        spanGaps: false,
      });
    }
    bands.push({ series: [slot.hi, slot.lo], fill: withAlpha(t.color, colors.bandAlpha) });
  });
  return {
    width: settings.width,
    height: settings.height,
    ...(wall ? { ms: 1 as const } : {}),
    series,
    bands,
    scales,
    axes,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
    hooks: {
      setSelect: [
        (u) => {
          const { left, width } = u.select;
          if (width < 2) return;
          const min = u.posToVal(left, 'x');
          const max = u.posToVal(left + width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          hooks.onSelect(min, max);
        },
      ],
      setCursor: [(u) => hooks.onCursor(u)],
      draw: [(u) => drawMarks(u, hooks.marks(), colors.nan)],
    },
  };
}

/**
 * Draws non-finite values so they are seen, not hidden: NaN as a dashed line across the plot
 * ending in a dot on the bottom edge, +Inf as a triangle on the top edge, -Inf on the bottom edge.
 */
function drawMarks(u: uPlot, groups: ReturnType<PlotHooks['marks']>, nanColor: string): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const r = Math.max(4, 5 * devicePixelRatio);
  ctx.save();
  ctx.beginPath();
  ctx.rect(left - r, top - r, width + 2 * r, height + 2 * r);
  ctx.clip();
  for (const group of groups) {
    if (!group.visible) continue;
    for (const m of group.marks) {
      const px = u.valToPos(m.x, 'x', true);
      if (!Number.isFinite(px) || px < left - 1 || px > left + width + 1) continue;
      if (m.kind === 'nan') {
        ctx.strokeStyle = nanColor;
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, top + height);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = nanColor;
        ctx.beginPath();
        ctx.arc(px, top + height - r, r, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        const y = m.kind === '+inf' ? top : top + height;
        const dir = m.kind === '+inf' ? 1 : -1;
        ctx.fillStyle = group.color;
        ctx.beginPath();
        ctx.moveTo(px, y);
        ctx.lineTo(px - r, y + dir * 2 * r);
        ctx.lineTo(px + r, y + dir * 2 * r);
        ctx.closePath();
        ctx.fill();
      }
    }
  }
  ctx.restore();
}
