import type { ApiChartQuery, ApiSeries } from '@trainscope/client';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import { BucketTrace, pixelExpFor } from './bucket-trace.js';
import type { AxisScaleInfo, ChartInput, LineData } from './chart-input.js';
import { isM4Data } from './chart-input.js';
import { chartCsv } from './csv.js';
import type { ChartRead, DataSource, LiveHandle, LivePoints } from './data-source.js';
import { timeWeightedEma } from './ema.js';
import { EpochMap, isEpochIndexed } from './epoch-map.js';
import { formatValue } from './format.js';
import { type PlotTrace, plotData, plotOptions, type TraceSlots } from './plot-model.js';
import { ServerSource } from './server-source.js';
import { resolvedColors, themeStyles } from './theme.js';
import { traceVertices } from './trace-vertices.js';
import { uplotStyles } from './uplot-styles.js';
import {
  type AxisTransform,
  axisTransform,
  identityTransform,
  parseXAxisMode,
  storeAxis,
  storeRange,
  type XAxisMode,
} from './x-axis.js';
import { panRange, zoomRange } from './zoom-math.js';

interface Trace {
  key: string;
  label: string;
  unit: string | undefined;
  scale: AxisScaleInfo | undefined;
  xScale: AxisScaleInfo | undefined;
  progress: boolean;
  color: string | undefined;
  visible: boolean;
  buckets: BucketTrace;
  /** Raw points handed in (refined from on zoom). */
  raw: { x: ArrayLike<number>; y: ArrayLike<number> } | null;
  /** Series read from a source. */
  seriesId: number | null;
  /** Axis units of the chart read the buckets came from. */
  last: number;
  /** Its x is a step (not the epoch): in `epoch` mode it is drawn through `epochMap`. */
  stepIndexed: boolean;
  /** Step to epoch of the trace's run, when the run has an `epoch` series. */
  epochMap: EpochMap | null;
  /** Left off the plot: step-indexed in a chart drawn against epochs, with no epoch map. */
  offAxis: boolean;
}

/** Buckets of a run's `epoch` series read for its step-to-epoch map. */
const EPOCH_MAP_WIDTH = 4096;

/** Detail of `ts-range-change`: the visible x range in display units, or null when zoomed out. */
export interface RangeChangeDetail {
  range: [number, number] | null;
}

const BUCKETS_PER_PIXEL_LIMIT = 2;
/** Share of the visible width one wheel step pans. */
const PAN_STEP = 0.1;

/**
 * `<ts-chart>`: one chart of one or more series, drawn with uPlot on a canvas. Takes data handed
 * in (`.data`) or reads a server (`server`, `series` / `runs` + `metric`), asking for M4 chart
 * reads sized to its own pixel width, refining on zoom, and appending live points from the
 * WebSocket without reading history again.
 *
 * @fires ts-range-change - the visible x range changed (zoom, pan, reset); detail `RangeChangeDetail`
 * @fires ts-toggle - a legend entry was switched; detail `{ key, visible }`
 * @fires ts-rendered - the plot was drawn with new data; detail `{ points, ms }` (vertices drawn, time spent)
 * @fires ts-error - reading the server failed; detail `{ error }`
 */
export class TsChart extends LitElement {
  static override properties = {
    server: { type: String },
    apiKey: { type: String, attribute: 'api-key' },
    series: { type: String },
    runs: { type: String },
    metric: { type: String },
    xAxis: { type: String, attribute: 'x-axis' },
    logX: { type: Boolean, attribute: 'log-x' },
    logY: { type: Boolean, attribute: 'log-y' },
    smoothing: { type: Number },
    heading: { type: String },
    height: { type: Number },
    noLive: { type: Boolean, attribute: 'no-live' },
    noBand: { type: Boolean, attribute: 'no-band' },
    theme: { type: String, reflect: true },
    data: { attribute: false },
    source: { attribute: false },
    _hover: { state: true },
    _error: { state: true },
    _note: { state: true },
    _progress: { state: true },
  };

  static override styles = [
    themeStyles,
    uplotStyles,
    css`
      :host {
        display: block;
        position: relative;
        border: 1px solid var(--_border);
        border-radius: 6px;
        padding: 8px;
        box-sizing: border-box;
      }
      header {
        display: flex;
        align-items: center;
        gap: 8px;
        min-height: 24px;
      }
      h3 {
        font-size: 13px;
        font-weight: 600;
        margin: 0;
        flex: 1;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      button {
        font: inherit;
        font-size: 12px;
        color: var(--_muted);
        background: transparent;
        border: 1px solid var(--_border);
        border-radius: 4px;
        padding: 1px 6px;
        cursor: pointer;
      }
      button:hover {
        color: var(--_fg);
      }
      .plot {
        width: 100%;
        position: relative;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 12px;
        margin-top: 4px;
      }
      .legend button {
        border: none;
        padding: 0;
        display: inline-flex;
        align-items: center;
        gap: 4px;
        color: var(--_fg);
      }
      .legend button[aria-pressed='false'] {
        opacity: 0.4;
      }
      .swatch {
        width: 10px;
        height: 10px;
        border-radius: 2px;
        display: inline-block;
      }
      .value {
        font-family: var(--_mono);
        color: var(--_muted);
      }
      .nonfinite {
        color: var(--_nan);
        font-family: var(--_mono);
      }
      .readout {
        font-family: var(--_mono);
        color: var(--_muted);
        font-size: 12px;
      }
      .error {
        color: var(--_nan);
        font-size: 12px;
      }
      .note {
        color: var(--_muted);
        font-size: 12px;
      }
      .progress {
        display: grid;
        grid-template-columns: minmax(80px, max-content) 1fr max-content;
        gap: 6px 10px;
        align-items: center;
        margin: 6px 0;
      }
      .bar {
        height: 10px;
        border-radius: 5px;
        background: var(--_grid);
        overflow: hidden;
      }
      .bar > div {
        height: 100%;
        background: var(--_accent);
      }
    `,
  ];

  /** Base URL of a trainscope server; the chart reads `series` (or `runs` + `metric`) from it. */
  declare server: string | undefined;
  /** API key for the server. @default none */
  declare apiKey: string | undefined;
  /** Comma-separated series ids to draw (several runs may be mixed to compare them). */
  declare series: string | undefined;
  /** Comma-separated run ids; with `metric`, draws that series of every run. */
  declare runs: string | undefined;
  /** Series name drawn for each of `runs`. */
  declare metric: string | undefined;
  /** x axis: `step`, `epoch`, `relative` (seconds since start) or `wall` (clock time). @default 'step' */
  declare xAxis: string;
  /** Logarithmic x axis. @default false */
  declare logX: boolean;
  /** Logarithmic y axis (values <= 0 become gaps). @default false */
  declare logY: boolean;
  /** Time-weighted EMA smoothing factor, 0 (off) to 0.999; the raw line stays, faint. @default 0 */
  declare smoothing: number;
  /** Title shown above the plot. @default the series names */
  declare heading: string | undefined;
  /** Plot height in CSS pixels. @default 220 */
  declare height: number;
  /** Do not follow live points from the server. @default false */
  declare noLive: boolean;
  /** Do not draw the min/max band of busy pixel columns. @default false */
  declare noBand: boolean;
  /** `light` or `dark`; the canvas is drawn again in the theme's colours when it changes. @default the page's preference */
  declare theme: string | undefined;
  /** Data handed in: raw columns or M4 buckets per trace. @default [] */
  declare data: ChartInput[];
  /** Where to read from instead of `server`: any `DataSource` (a `ServerSource`, a `MemorySource`). */
  declare source: DataSource | undefined;
  declare _hover: { x: string; values: Map<string, string> } | null;
  declare _error: string | null;
  /** What the chart could not draw as asked (steps with no epoch map in `epoch` mode). */
  declare _note: string | null;
  declare _progress: { key: string; label: string; value: number; upper: number }[];

  #traces: Trace[] = [];
  #plot: uPlot | null = null;
  #slots: TraceSlots[] = [];
  #plotTraces: PlotTrace[] = [];
  #view: [number, number] | null = null;
  #resize: ResizeObserver | null = null;
  #plotWidth = 0;
  #live: LiveHandle | null = null;
  #ownSource: ServerSource | null = null;
  #loadSeq = 0;
  #origin = 0;
  /** Step-to-epoch maps by the id of the `epoch` series they are read from (followed live). */
  #epochMaps = new Map<number, EpochMap>();
  /** In `epoch` mode, every trace is step-indexed and none has a map: drawn by step instead. */
  #byStep = false;
  #frame = 0;
  #refinePending = false;
  #colorScheme: MediaQueryList | null = null;
  /** The canvas holds resolved colours, so a change of the page's preferred scheme redraws it. */
  readonly #onColorScheme = (): void => {
    if (!this.theme && this.#plot) this.#redraw(true);
  };

  constructor() {
    super();
    this.xAxis = 'step';
    this.logX = false;
    this.logY = false;
    this.smoothing = 0;
    this.height = 220;
    this.noLive = false;
    this.noBand = false;
    this.data = [];
    this._hover = null;
    this._error = null;
    this._note = null;
    this._progress = [];
  }

  /** The uPlot instance (for tests and advanced embedding), once drawn. */
  get plot(): uPlot | null {
    return this.#plot;
  }

  /** The visible x range in display units, or null when showing everything. */
  get range(): [number, number] | null {
    return this.#view;
  }

  /** Points held per trace (raw points represented by the buckets). */
  get pointCounts(): Record<string, number> {
    return Object.fromEntries(this.#traces.map((t) => [t.key, t.buckets.pointCount()]));
  }

  /** Bucket exponent per trace: 2^exp axis units per bucket (smaller = finer). */
  get resolution(): Record<string, number> {
    return Object.fromEntries(this.#traces.map((t) => [t.key, t.buckets.exp]));
  }

  get #mode(): XAxisMode {
    return parseXAxisMode(this.xAxis);
  }

  get #source(): DataSource | null {
    if (this.source) return this.source;
    if (!this.server) return null;
    if (!this.#ownSource || this.#ownSource.url !== this.server.replace(/\/+$/, '')) {
      this.#ownSource?.close();
      this.#ownSource = new ServerSource({ url: this.server, ...(this.apiKey ? { apiKey: this.apiKey } : {}) });
    }
    return this.#ownSource;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Resizing inside the observer callback would loop; do it on the next frame.
    this.#resize = new ResizeObserver(() => setTimeout(() => this.#onResize(), 0));
    this.#colorScheme = matchMedia('(prefers-color-scheme: dark)');
    this.#colorScheme.addEventListener('change', this.#onColorScheme);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#resize = null;
    this.#colorScheme?.removeEventListener('change', this.#onColorScheme);
    this.#colorScheme = null;
    this.#live?.close();
    this.#live = null;
    this.#plot?.destroy();
    this.#plot = null;
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#loadSeq++;
  }

  override firstUpdated(): void {
    const el = this.renderRoot.querySelector('.plot');
    if (el) this.#resize?.observe(el);
  }

  override willUpdate(): void {
    // Frameworks that set properties (React 19) hand the attribute's string to a number property.
    if (typeof this.smoothing === 'string') this.smoothing = Number(this.smoothing) || 0;
    if (typeof this.height === 'string') this.height = Number(this.height) || 220;
  }

  override updated(changed: PropertyValues<this>): void {
    const sourceKeys = ['server', 'apiKey', 'series', 'runs', 'metric', 'source'] as const;
    if (changed.has('xAxis') && (this.source || this.server)) {
      this.#view = null;
      void this.#load();
      return;
    }
    if (sourceKeys.some((k) => changed.has(k as keyof TsChart)) && (this.source || this.server)) {
      this.#view = null;
      void this.#load();
      return;
    }
    if (changed.has('data') && !(this.source || this.server)) {
      this.#view = null;
      this.#fromData();
      return;
    }
    if (
      changed.has('logX') ||
      changed.has('logY') ||
      changed.has('smoothing') ||
      changed.has('height') ||
      changed.has('noBand') ||
      changed.has('theme') ||
      changed.has('xAxis')
    ) {
      if (changed.has('xAxis')) this.#fromData();
      else this.#redraw(true);
    }
  }

  override render() {
    const title = this.heading ?? this.#traces.map((t) => t.label).join(', ');
    return html`
      <header>
        <h3 title=${title}>${title}</h3>
        <span class="readout">${this._hover ? this._hover.x : ''}</span>
        ${this.#view ? html`<button @click=${() => this.resetZoom()} title="Show everything">reset</button>` : nothing}
        <button @click=${() => this.downloadCsv()} title="Export the visible data as CSV">CSV</button>
        <button @click=${() => this.downloadPng()} title="Export the chart as PNG">PNG</button>
      </header>
      ${this._error ? html`<div class="error" role="alert">${this._error}</div>` : nothing}
      ${this._note ? html`<div class="note" role="note">${this._note}</div>` : nothing}
      ${
        this._progress.length
          ? html`<div class="progress">
            ${this._progress.map(
              (p) => html`<span>${p.label}</span>
                <div class="bar" role="progressbar" aria-label=${p.label} aria-valuenow=${p.value} aria-valuemin="0"
                  aria-valuemax=${p.upper}>
                  <div style="width:${Math.max(0, Math.min(100, (100 * p.value) / p.upper))}%"></div>
                </div>
                <span class="value">${formatValue((100 * p.value) / p.upper)}%</span>`,
            )}
          </div>`
          : nothing
      }
      <div class="plot" @wheel=${this.#onWheel} @dblclick=${() => this.resetZoom()}></div>
      <div class="legend">
        ${this.#plottable().map((t, i) => {
          const nonFinite = this.#plotTraces[i]?.vertices.marks.length ?? 0;
          return html`<button aria-pressed=${t.visible ? 'true' : 'false'} data-key=${t.key}
              @click=${() => this.toggle(t.key)}>
              <span class="swatch" style="background:${this.#plotTraces[i]?.color ?? 'gray'}"></span>
              <span>${t.label}</span>
              <span class="value">${this._hover?.values.get(t.key) ?? ''}</span>
              ${nonFinite > 0 ? html`<span class="nonfinite" title="NaN / Inf values in view">⚠ ${nonFinite}</span>` : nothing}
            </button>`;
        })}
      </div>
    `;
  }

  /** Shows or hides a trace (as a legend click does). */
  toggle(key: string, visible?: boolean): void {
    const i = this.#traces.findIndex((t) => t.key === key);
    const t = this.#traces[i];
    if (!t) return;
    t.visible = visible ?? !t.visible;
    const plotIndex = this.#plottable().indexOf(t);
    const slot = this.#slots[plotIndex];
    const pt = this.#plotTraces[plotIndex];
    if (pt) pt.visible = t.visible;
    if (slot && this.#plot) {
      for (const idx of [slot.line, slot.smooth, slot.hi, slot.lo]) {
        if (idx !== null) this.#plot.setSeries(idx, { show: t.visible });
      }
    }
    this.requestUpdate();
    this.dispatchEvent(
      new CustomEvent('ts-toggle', { detail: { key, visible: t.visible }, bubbles: true, composed: true }),
    );
  }

  /** Zooms (or pans) to an x range in display units, and reads finer data for it. */
  setRange(min: number, max: number): void {
    if (!(max > min) || !Number.isFinite(min) || !Number.isFinite(max)) return;
    this.#view = [min, max];
    // The refined read is scheduled before the held buckets are redrawn at the new scale (uPlot
    // draws in a microtask too): the request leaves first and the server works during the redraw.
    this.#scheduleRefine();
    this.#plot?.setScale('x', { min, max });
    this.dispatchEvent(
      new CustomEvent<RangeChangeDetail>('ts-range-change', {
        detail: { range: [min, max] },
        bubbles: true,
        composed: true,
      }),
    );
    this.requestUpdate();
  }

  /** Shows the whole x range again. */
  resetZoom(): void {
    if (this.#view === null) return;
    this.#view = null;
    this.#scheduleRefine();
    this.dispatchEvent(new CustomEvent('ts-range-change', { detail: { range: null }, bubbles: true, composed: true }));
    this.requestUpdate();
  }

  /** The visible data as CSV (`series,x,value`, NaN/Infinity spelled out). */
  exportCsv(): string {
    const u = this.#plot;
    const min = u?.scales['x']?.min ?? Number.NEGATIVE_INFINITY;
    const max = u?.scales['x']?.max ?? Number.POSITIVE_INFINITY;
    return chartCsv(
      this.#plotTraces.filter((t) => t.visible).map((t) => ({ label: t.label, x: t.vertices.x, y: t.vertices.v })),
      min,
      max,
    );
  }

  /** The chart (plot with axes) as a PNG blob. */
  exportPng(): Promise<Blob> {
    const canvas = this.#plot?.ctx.canvas;
    if (!canvas) return Promise.reject(new Error('Nothing is drawn yet.'));
    return new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The canvas could not be encoded.'))), 'image/png'),
    );
  }

  /** Saves `exportCsv()` as a file. */
  downloadCsv(): void {
    this.#download(new Blob([this.exportCsv()], { type: 'text/csv' }), 'csv');
  }

  /** Saves `exportPng()` as a file. */
  async downloadPng(): Promise<void> {
    this.#download(await this.exportPng(), 'png');
  }

  #download(blob: Blob, ext: string): void {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${(this.heading ?? this.#traces[0]?.label ?? 'chart').replace(/[^\w.-]+/g, '_')}.${ext}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  /** Pixel width the chart reads are sized to (device pixels of the plot area). */
  #readWidth(): number {
    const u = this.#plot;
    if (u) return Math.max(1, Math.round(u.bbox.width));
    const el = this.renderRoot.querySelector('.plot') as HTMLElement | null;
    const css = el?.clientWidth || this.clientWidth || 600;
    return Math.max(1, Math.round((css - 70) * devicePixelRatio));
  }

  // ---- data handed in -------------------------------------------------------------------------

  #fromData(): void {
    const mode = this.#mode;
    const axisTime = storeAxis(mode) === 'time';
    const width = this.#readWidth();
    const previous = new Map(this.#traces.map((t) => [t.key, t.visible]));
    let origin = Number.POSITIVE_INFINITY;
    const traces: Trace[] = [];
    for (const input of this.data ?? []) {
      const key = input.key ?? input.label;
      const base = {
        key,
        label: input.label,
        unit: input.unit,
        scale: input.scale,
        xScale: input.xScale,
        progress: input.progress ?? input.scale?.progress ?? false,
        color: input.color,
        visible: previous.get(key) ?? true,
        seriesId: null,
        last: Number.NaN,
        // Data handed in has no run to map steps through: only a trace that says its x is the
        // step counts as step-indexed; any other x is drawn as given.
        stepIndexed: input.xScale?.name === 'step',
        epochMap: null,
        offAxis: false,
      };
      if (isM4Data(input)) {
        traces.push({
          ...base,
          raw: null,
          buckets: BucketTrace.fromColumns(input.chart.pixelExp, input.chart.buckets),
        });
        continue;
      }
      const line = input as LineData;
      const x = axisTime ? (line.time ?? line.x) : line.x;
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        if (v < origin) origin = v;
      }
      const raw = { x, y: line.y };
      traces.push({ ...base, raw, buckets: bucketRaw(raw, width, null) });
    }
    this.#origin = Number.isFinite(origin) ? origin : 0;
    this.#traces = traces;
    this.#epochMaps = new Map();
    this.#planEpochAxis(new Set());
    this.#redraw(true);
  }

  // ---- data from a source ---------------------------------------------------------------------

  async #load(): Promise<void> {
    const source = this.#source;
    if (!source) return;
    const seq = ++this.#loadSeq;
    this.#live?.close();
    this.#live = null;
    this._error = null;
    try {
      const infos = await this.#resolveSeries(source);
      if (seq !== this.#loadSeq) return;
      const mode = this.#mode;
      const axis = storeAxis(mode);
      const runIds = [...new Set(infos.map((s) => s.run_id))];
      // Point counts (the live cursors) are read before the chart reads, so a point landing in
      // between arrives twice (harmless to M4) rather than never.
      const [runs, counts, epochReads] = await Promise.all([
        Promise.all(runIds.map((id) => source.getRun(id))),
        this.noLive ? new Map<number, number>() : pointCounts(source, runIds, infos),
        mode === 'epoch' ? readEpochMaps(source, infos) : new Map<string, EpochRead>(),
      ]);
      if (seq !== this.#loadSeq) return;
      const runName = new Map(runs.map((r) => [r.id, r.name || r.id]));
      const starts = runs.map((r) => Date.parse(r.started_at ?? r.created_at)).filter(Number.isFinite);
      this.#origin = starts.length ? Math.min(...starts) : 0;
      const width = this.#readWidth();
      const reads = await Promise.all(infos.map((s) => source.chart(s.id, { width, axis })));
      if (seq !== this.#loadSeq) return;
      const previous = new Map(this.#traces.map((t) => [t.key, t.visible]));
      this.#traces = infos.map((s, i) => {
        const read = reads[i] as (typeof reads)[number];
        const key = String(s.id);
        const label = runIds.length > 1 ? `${runName.get(s.run_id)}: ${s.name}` : s.name;
        return {
          key,
          label,
          unit: s.unit ?? undefined,
          scale: s.scale ?? undefined,
          xScale: s.x_scale ?? undefined,
          progress: s.type === 'progress' || s.scale?.progress === true,
          color: undefined,
          visible: previous.get(key) ?? true,
          buckets: BucketTrace.fromColumns(read.pixelExp, read.buckets),
          raw: null,
          seriesId: s.id,
          last: read.last ? (axis === 'x' ? read.last.x : read.last.time) : Number.NaN,
          stepIndexed: !isEpochIndexed(s.x_scale),
          epochMap: epochReads.get(s.run_id)?.map ?? null,
          offAxis: false,
        };
      });
      this.#epochMaps = new Map([...epochReads.values()].map((e) => [e.seriesId, e.map]));
      const runsWithoutMap = infos
        .filter((s) => !isEpochIndexed(s.x_scale) && !epochReads.has(s.run_id))
        .map((s) => runName.get(s.run_id) ?? s.run_id);
      this.#planEpochAxis(new Set(runsWithoutMap));
      this.#view = null;
      this.#redraw(true);
      if (!this.noLive) {
        // The count a read reflects is exact; the one read before it may miss a point landing
        // in between (which then arrives twice).
        const cursors: Record<number, number> = {};
        infos.forEach((s, i) => {
          cursors[s.id] = reads[i]?.points ?? counts.get(s.id) ?? 0;
        });
        // The epoch series too: a map that follows the run places new steps.
        for (const e of epochReads.values()) cursors[e.seriesId] ??= e.points;
        this.#live = source.subscribe({ series: cursors }, { onDelta: (points) => this.#onLive(points) });
      }
    } catch (error) {
      if (seq !== this.#loadSeq) return;
      this._error = error instanceof Error ? error.message : String(error);
      this.dispatchEvent(new CustomEvent('ts-error', { detail: { error }, bubbles: true, composed: true }));
    }
  }

  async #resolveSeries(source: DataSource): Promise<ApiSeries[]> {
    const ids = (this.series ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n >= 0);
    const out = await Promise.all(ids.map((id) => source.getSeries(id)));
    if (this.runs && this.metric) {
      const runIds = this.runs
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const runId of runIds) {
        const found = (await source.listSeries(runId)).find((s) => s.name === this.metric);
        if (found) out.push(found);
      }
    }
    return out;
  }

  #onLive(points: LivePoints[]): void {
    const axisTime = storeAxis(this.#mode) === 'time';
    const width = this.#readWidth();
    for (const p of points) {
      const map = this.#epochMaps.get(p.seriesId);
      if (map) for (let i = 0; i < p.x.length; i++) map.add(p.x[i] as number, p.value[i] as number);
      const trace = this.#traces.find((t) => t.seriesId === p.seriesId);
      if (!trace) continue;
      const xs = axisTime ? p.time : p.x;
      for (let i = 0; i < xs.length; i++) trace.buckets.addPoint(xs[i] as number, p.value[i] as number);
      keepCoarse(trace.buckets, width, this.#view);
    }
    this.#scheduleDraw();
  }

  // ---- zoom -----------------------------------------------------------------------------------

  /** Ctrl + wheel zooms around the cursor; shift + wheel, or a sideways wheel, pans. */
  #onWheel = (event: WheelEvent): void => {
    const u = this.#plot;
    if (!u) return;
    const sideways = Math.abs(event.deltaX) > Math.abs(event.deltaY);
    if (!event.ctrlKey && !event.shiftKey && !sideways) return;
    event.preventDefault();
    // The view set by the last step, not uPlot's scale, which takes the change a microtask later:
    // quick wheel steps each count.
    const range: [number, number] = this.#view ?? [u.scales['x']?.min ?? 0, u.scales['x']?.max ?? 1];
    const log = this.logX && this.#mode !== 'wall';
    if (event.ctrlKey) {
      const at = u.posToVal(event.clientX - u.over.getBoundingClientRect().left, 'x');
      const [min, max] = zoomRange(range, at, event.deltaY > 0 ? 1.25 : 0.8, log);
      this.setRange(min, max);
      return;
    }
    const delta = sideways ? event.deltaX : event.deltaY;
    const [min, max] = panRange(range, Math.sign(delta) * PAN_STEP, log);
    this.setRange(min, max);
  };

  #scheduleRefine(): void {
    // One read per task however many range changes it makes (a drag, a burst of wheel steps in
    // one task); a microtask rather than a timer, so the read is sent before the frame is drawn.
    if (this.#refinePending) return;
    this.#refinePending = true;
    queueMicrotask(() => {
      this.#refinePending = false;
      void this.#refine();
    });
  }

  /** Reads (or re-buckets) the data of the visible range at this chart's pixel width. */
  async #refine(): Promise<void> {
    const width = this.#readWidth();
    const view = this.#view;
    const source = this.#source;
    if (source && this.#traces.some((t) => t.seriesId !== null)) {
      const seq = ++this.#loadSeq;
      const axis = storeAxis(this.#mode);
      // Traces read in store units of their own x: one request per distinct range (epochs and
      // the steps mapped to them, or the steps of runs with different epoch maps).
      const groups = new Map<string, { query: ApiChartQuery; ids: number[] }>();
      for (const t of this.#traces) {
        if (t.seriesId === null) continue;
        const range = view ? storeRange(this.#transformOf(t), view[0], view[1]) : null;
        const key = range ? `${range[0]},${range[1]}` : '';
        let group = groups.get(key);
        if (!group) {
          group = { query: { width, axis, ...(range ? { start: range[0], end: range[1] } : {}) }, ids: [] };
          groups.set(key, group);
        }
        group.ids.push(t.seriesId);
      }
      const answers = await Promise.all(
        [...groups.values()].map(async ({ query, ids }) => {
          const got = source.charts
            ? await source.charts(ids, query)
            : await Promise.all(ids.map((id) => source.chart(id, query)));
          return ids.map((id, i) => [id, got[i]] as const);
        }),
      );
      const byId = new Map(answers.flat());
      const reads = this.#traces.map((t) => (t.seriesId === null ? undefined : byId.get(t.seriesId)));
      // A live load started meanwhile keeps its seq; only drop answers overtaken by a newer read.
      if (seq !== this.#loadSeq) return;
      this.#loadSeq = seq;
      this.#traces.forEach((t, i) => {
        const read = reads[i];
        if (!read) return;
        const fresh = BucketTrace.fromColumns(read.pixelExp, read.buckets);
        keepLivePoints(fresh, t.buckets, read);
        t.buckets = fresh;
      });
    } else {
      for (const t of this.#traces) {
        if (t.raw)
          t.buckets = bucketRaw(t.raw, width, view ? storeRange(this.#transformOf(t), view[0], view[1]) : null);
      }
    }
    this.#redraw(false);
  }

  // ---- x axis ---------------------------------------------------------------------------------

  /** Traces drawn on the plot (not progress bars, not left off the axis). */
  #plottable(): Trace[] {
    return this.#traces.filter((t) => !t.progress && !t.offAxis);
  }

  /** True when the trace's steps are drawn through its run's epoch map. */
  #mapped(t: Trace): boolean {
    return this.#mode === 'epoch' && t.stepIndexed && t.epochMap !== null;
  }

  /** Store units of a trace to display units and back. */
  #transformOf(t: Trace): AxisTransform {
    if (this.#mapped(t)) return (t.epochMap as EpochMap).transform();
    if (this.#mode === 'epoch') return identityTransform;
    return axisTransform(this.#mode, this.#origin);
  }

  /**
   * In `epoch` mode, decides what a step-indexed trace without an epoch map becomes, and says so:
   * when every trace is one, the chart is drawn by step (labelled `step`); beside traces drawn in
   * epochs, it is left off the plot. Never steps silently labelled as epochs.
   */
  #planEpochAxis(runsWithoutMap: ReadonlySet<string>): void {
    this.#byStep = false;
    this._note = null;
    for (const t of this.#traces) t.offAxis = false;
    if (this.#mode !== 'epoch') return;
    const lines = this.#traces.filter((t) => !t.progress);
    const unmapped = lines.filter((t) => t.stepIndexed && t.epochMap === null);
    if (unmapped.length === 0) return;
    const where = runsWithoutMap.size
      ? `run ${[...runsWithoutMap].map((r) => `"${r}"`).join(', ')} has no "epoch" series`
      : 'the data handed in has no "epoch" series';
    if (unmapped.length === lines.length) {
      this.#byStep = true;
      this._note = `x is the step, not the epoch: ${where} to map steps to epochs.`;
      return;
    }
    for (const t of unmapped) t.offAxis = true;
    this._note = `Not drawn against epochs: ${unmapped.map((t) => t.label).join(', ')} (x is the step and ${where}).`;
  }

  // ---- drawing --------------------------------------------------------------------------------

  #onResize(): void {
    const el = this.renderRoot.querySelector('.plot') as HTMLElement | null;
    const w = el?.clientWidth ?? 0;
    if (w === 0 || w === this.#plotWidth) return;
    const grew = w > this.#plotWidth * 1.25;
    this.#plotWidth = w;
    if (this.#plot) {
      this.#plot.setSize({ width: w, height: this.height });
      if (grew) this.#scheduleRefine();
    } else {
      this.#redraw(true);
    }
  }

  #scheduleDraw(): void {
    if (this.#frame) return;
    // One draw per frame however many deltas arrive; the timer covers pages that get no frames
    // (a hidden tab), so the chart is current when it is shown.
    const run = () => {
      if (!this.#frame) return;
      cancelAnimationFrame(this.#frame);
      this.#frame = 0;
      this.#redraw(false);
    };
    this.#frame = requestAnimationFrame(run);
    setTimeout(run, 100);
  }

  #redraw(rebuild: boolean): void {
    const started = performance.now();
    const el = this.renderRoot.querySelector('.plot') as HTMLElement | null;
    if (!el) return;
    const width = el.clientWidth || this.#plotWidth;
    if (width === 0) return;
    this.#plotWidth = width;
    const colors = resolvedColors(this);
    const view = this.#view;
    const plotted = this.#plottable();
    this._progress = this.#traces
      .filter((t) => t.progress)
      .map((t) => ({ key: t.key, label: t.label, value: lastValue(t.buckets), upper: t.scale?.upper ?? 1 }));
    let paletteIndex = 0;
    const previousSlots = this.#slots;
    this.#plotTraces = plotted.map((t) => {
      const transform = this.#transformOf(t);
      const range = view ? storeRange(transform, view[0], view[1]) : null;
      const vertices = traceVertices(t.buckets, {
        toDisplay: transform.toDisplay,
        logY: this.logY,
        logX: this.logX && this.#mode !== 'wall',
        bandMin: this.noBand ? Number.POSITIVE_INFINITY : 3,
        ...(range ? { min: range[0], max: range[1] } : {}),
      });
      const color = t.color ?? colors.palette[paletteIndex++ % colors.palette.length] ?? '#0969da';
      return {
        key: t.key,
        label: t.label,
        color,
        scaleKey: `y:${t.scale?.name ?? t.unit ?? ''}`,
        scale: t.scale,
        unit: t.unit,
        visible: t.visible,
        vertices,
        smooth: this.smoothing > 0 ? timeWeightedEma(vertices.x, vertices.y, this.smoothing) : null,
      };
    });
    const { data, slots } = plotData(this.#plotTraces);
    this.#slots = slots;
    const structureChanged =
      previousSlots.length !== slots.length ||
      slots.some((s, i) => s.smooth !== previousSlots[i]?.smooth) ||
      this.#plot?.series.length !== data.length;
    if (!this.#plot || rebuild || structureChanged) {
      this.#plot?.destroy();
      el.replaceChildren();
      if (plotted.length === 0) {
        this.#plot = null;
      } else {
        const options = plotOptions(
          this.#plotTraces,
          slots,
          {
            mode: this.#byStep ? 'step' : this.#mode,
            logX: this.logX,
            logY: this.logY,
            smoothing: this.smoothing,
            width,
            height: this.height,
            // Units and bounds of an x drawn as it is (not of steps mapped to epochs).
            xScale: plotted.find((t) => t.xScale && !this.#mapped(t))?.xScale,
            colors,
          },
          {
            onSelect: (min, max) => this.setRange(min, max),
            onCursor: (u) => this.#onCursor(u),
            marks: () => this.#plotTraces.map((t) => ({ marks: t.vertices.marks, color: t.color, visible: t.visible })),
          },
        );
        this.#plot = new uPlot(options, data, el);
        if (view) this.#plot.setScale('x', { min: view[0], max: view[1] });
      }
    } else {
      this.#plot.setData(data, view === null);
      if (view) this.#plot.setScale('x', { min: view[0], max: view[1] });
    }
    this.requestUpdate();
    if (this.#traces.length === 0) return;
    const points = this.#plotTraces.reduce((s, t) => s + t.vertices.x.length, 0);
    const ms = performance.now() - started;
    this.dispatchEvent(new CustomEvent('ts-rendered', { detail: { points, ms }, bubbles: true, composed: true }));
  }

  #onCursor(u: uPlot): void {
    const idx = u.cursor.idx;
    if (idx === null || idx === undefined) {
      if (this._hover) this._hover = null;
      return;
    }
    const x = u.data[0][idx];
    const values = new Map<string, string>();
    for (const t of this.#plotTraces) {
      // Traces joined on x rarely share every x: each reads out its own stored point nearest the cursor.
      const xi = x === undefined ? -1 : nearestIndex(t.vertices.x, x);
      values.set(t.key, xi >= 0 ? formatValue(t.vertices.v[xi]) : '—');
    }
    const mode = this.#mode;
    const xText =
      x === undefined
        ? ''
        : mode === 'wall'
          ? new Date(x).toISOString().replace('T', ' ').slice(0, 23)
          : formatValue(x);
    this._hover = { x: `x=${xText}`, values };
  }
}

/** Index of the value nearest x in an ascending array, or -1 when it is empty. */
function nearestIndex(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo === xs.length) return xs.length - 1;
  if (lo > 0 && x - (xs[lo - 1] as number) <= (xs[lo] as number) - x) return lo - 1;
  return lo;
}

/** A run's step-to-epoch map and the `epoch` series it was read from. */
interface EpochRead {
  seriesId: number;
  map: EpochMap;
  /** Points of the epoch series the read reflects (its live cursor). */
  points: number;
}

/**
 * The step-to-epoch map of each run with step-indexed series among `infos`, read from the run's
 * `epoch` series (or one named `<prefix>/epoch` when there is no plain `epoch`) at a fine width:
 * the first and last point of each of up to 4,096 buckets, so the map is exact where the epoch
 * grows linearly with the step and within one bucket of the steps where it changes pace.
 */
async function readEpochMaps(source: DataSource, infos: ApiSeries[]): Promise<Map<string, EpochRead>> {
  const runIds = [...new Set(infos.filter((s) => !isEpochIndexed(s.x_scale)).map((s) => s.run_id))];
  const out = new Map<string, EpochRead>();
  await Promise.all(
    runIds.map(async (runId) => {
      const candidates = (await source.listSeries(runId)).filter((s) => !isEpochIndexed(s.x_scale));
      const series = candidates.find((s) => s.name === 'epoch') ?? candidates.find((s) => s.name.endsWith('/epoch'));
      if (!series) return;
      const read = await source.chart(series.id, { width: EPOCH_MAP_WIDTH, axis: 'x' });
      const map = EpochMap.fromBuckets(read.buckets);
      if (map.size > 0) out.set(runId, { seriesId: series.id, map, points: read.points ?? map.size });
    }),
  );
  return out;
}

/** Points held per series, read from the runs' summaries. */
async function pointCounts(source: DataSource, runIds: string[], infos: ApiSeries[]): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  const answers = await Promise.all(
    runIds.map((runId) =>
      source.summaries(
        runId,
        infos.filter((s) => s.run_id === runId).map((s) => s.id),
      ),
    ),
  );
  for (const s of answers.flat()) counts.set(s.series_id, s.count);
  return counts;
}

function lastValue(b: BucketTrace): number {
  const c = b.columns;
  for (let i = b.length - 1; i >= 0; i--) {
    const v = c.lastV[i] as number;
    if (Number.isFinite(v)) return v;
  }
  return 0;
}

/** Buckets raw points over a range (everything when null) at a pixel width; one point each side is kept. */
function bucketRaw(
  raw: { x: ArrayLike<number>; y: ArrayLike<number> },
  width: number,
  range: readonly [number, number] | null,
): BucketTrace {
  let lo = range ? range[0] : Number.POSITIVE_INFINITY;
  let hi = range ? range[1] : Number.NEGATIVE_INFINITY;
  if (!range) {
    for (let i = 0; i < raw.x.length; i++) {
      const x = raw.x[i] as number;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  if (!(hi >= lo)) return new BucketTrace(0);
  const exp = pixelExpFor(hi - lo, width);
  const trace = new BucketTrace(exp, Math.min(raw.x.length, width * 2));
  if (!range) {
    for (let i = 0; i < raw.x.length; i++) trace.addPoint(raw.x[i] as number, raw.y[i] as number);
    return trace;
  }
  let below = -1;
  let above = -1;
  for (let i = 0; i < raw.x.length; i++) {
    const x = raw.x[i] as number;
    if (x < lo) {
      if (below < 0 || x > (raw.x[below] as number)) below = i;
    } else if (x > hi) {
      if (above < 0 || x < (raw.x[above] as number)) above = i;
    } else trace.addPoint(x, raw.y[i] as number);
  }
  if (below >= 0) trace.addPoint(raw.x[below] as number, raw.y[below] as number);
  if (above >= 0) trace.addPoint(raw.x[above] as number, raw.y[above] as number);
  return trace;
}

/** Coarsens live-grown buckets so the trace stays about one bucket per pixel of its span. */
function keepCoarse(b: BucketTrace, width: number, view: [number, number] | null): void {
  if (view !== null || b.length <= width * BUCKETS_PER_PIXEL_LIMIT) return;
  const c = b.columns;
  const span = (c.lastX[b.length - 1] as number) - (c.firstX[0] as number);
  b.coarsen(Math.max(b.exp + 1, pixelExpFor(span, width)));
}

/**
 * Moves into a fresh read the held buckets of live points that arrived after it was made: those
 * past both the range it covers and the series' last point it saw. Held buckets are sorted, so
 * only the newest few are looked at; the history outside a zoomed range (most of the held
 * buckets) is not copied point by point into every refined read.
 */
function keepLivePoints(fresh: BucketTrace, held: BucketTrace, read: ChartRead): void {
  const seen = read.last === null ? Number.NEGATIVE_INFINITY : read.axis === 'x' ? read.last.x : read.last.time;
  const after = Math.max(read.end, seen);
  const c = held.columns;
  let b = held.length;
  while (b > 0 && (c.firstX[b - 1] as number) > after) b--;
  for (; b < held.length; b++) mergeBucketPoints(fresh, c, b);
}

function mergeBucketPoints(into: BucketTrace, from: BucketTrace['columns'], i: number): void {
  const pts: [number, number][] = [
    [from.firstX[i] as number, from.firstV[i] as number],
    [from.lastX[i] as number, from.lastV[i] as number],
    [from.minX[i] as number, from.minV[i] as number],
    [from.maxX[i] as number, from.maxV[i] as number],
  ];
  const seen = new Set<number>();
  for (const [x, v] of pts) {
    if (Number.isNaN(x) || seen.has(x)) continue;
    seen.add(x);
    into.addPoint(x, v);
  }
}

if (!customElements.get('ts-chart')) customElements.define('ts-chart', TsChart);

declare global {
  interface HTMLElementTagNameMap {
    'ts-chart': TsChart;
  }
}
