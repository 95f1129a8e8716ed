import type { ApiJson, ApiLogLine, ApiRun, ApiSeries } from '@trainscope/client';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import type { DataSource } from './data-source.js';
import { formatDuration, formatTime } from './format.js';
import { type ChartGroup, type DashboardLayout, dashboardLayout } from './series-groups.js';
import { ServerSource } from './server-source.js';
import { themeStyles } from './theme.js';
import './ts-chart.js';

function jsonText(v: ApiJson | undefined): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * `<ts-run-dashboard>`: the overview of one run (FloydHub's job page): status and times, params,
 * host facts, system metrics (CPU, memory, disk, each GPU), training metrics grouped by group or
 * name prefix, and a log tail. Charts are created only when scrolled near the viewport, so a run
 * with thousands of series opens as fast as one with ten.
 *
 * @fires ts-loaded - the run and its series were read; detail `{ run, series, charts }`
 * @fires ts-error - reading failed; detail `{ error }`
 */
export class TsRunDashboard extends LitElement {
  static override properties = {
    server: { type: String },
    apiKey: { type: String, attribute: 'api-key' },
    run: { type: String },
    xAxis: { type: String, attribute: 'x-axis' },
    smoothing: { type: Number },
    logLines: { type: Number, attribute: 'log-lines' },
    chartHeight: { type: Number, attribute: 'chart-height' },
    refreshMs: { type: Number, attribute: 'refresh-ms' },
    theme: { type: String, reflect: true },
    source: { attribute: false },
    _run: { state: true },
    _layout: { state: true },
    _logs: { state: true },
    _error: { state: true },
    _shown: { state: true },
  };

  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
        padding: 12px;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 8px 16px;
        margin-bottom: 12px;
      }
      h2 {
        margin: 0;
        font-size: 18px;
      }
      .status {
        border-radius: 10px;
        padding: 1px 8px;
        font-size: 12px;
        border: 1px solid var(--_border);
      }
      .status.running {
        color: var(--_accent);
        border-color: var(--_accent);
      }
      .status.failed {
        color: var(--_nan);
        border-color: var(--_nan);
      }
      .status.completed {
        color: var(--_s3);
        border-color: var(--_s3);
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 2px 12px;
        margin: 0;
      }
      dt {
        color: var(--_muted);
      }
      dd {
        margin: 0;
        font-family: var(--_mono);
        overflow-wrap: anywhere;
      }
      .facts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
        gap: 12px;
        margin-bottom: 16px;
      }
      .facts section {
        border: 1px solid var(--_border);
        border-radius: 6px;
        padding: 8px;
      }
      h3 {
        font-size: 14px;
        margin: 16px 0 8px;
      }
      h4 {
        font-size: 12px;
        margin: 0 0 6px;
        color: var(--_muted);
        font-weight: 600;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(380px, 1fr));
        gap: 12px;
      }
      .slot {
        min-height: var(--_slot-height, 300px);
      }
      .placeholder {
        height: var(--_slot-height, 300px);
        border: 1px dashed var(--_border);
        border-radius: 6px;
        color: var(--_muted);
        display: flex;
        align-items: center;
        justify-content: center;
        box-sizing: border-box;
      }
      pre {
        font-family: var(--_mono);
        font-size: 12px;
        background: var(--_grid);
        border-radius: 6px;
        padding: 8px;
        max-height: 320px;
        overflow: auto;
        margin: 0;
        white-space: pre-wrap;
      }
      .stderr {
        color: var(--_nan);
      }
      .error {
        color: var(--_nan);
      }
    `,
  ];

  /** Base URL of a trainscope server. */
  declare server: string | undefined;
  /** API key for the server. @default none */
  declare apiKey: string | undefined;
  /** Run id to show. */
  declare run: string | undefined;
  /**
   * x axis of the training charts (`step`, `epoch`, `relative`, `wall`); system charts always use
   * seconds since the run started. @default 'step'
   */
  declare xAxis: string;
  /** EMA smoothing of training charts, 0 to 0.999. @default 0 */
  declare smoothing: number;
  /** Log lines shown in the tail. @default 200 */
  declare logLines: number;
  /** Height of each chart's plot in CSS pixels. @default 200 */
  declare chartHeight: number;
  /** `light` or `dark`, passed on to every chart. @default the page's preference */
  declare theme: string | undefined;
  /** How often a running run's status, log and series list are read again, in ms. @default 2000 */
  declare refreshMs: number;
  /** Where to read from instead of `server` (a `ServerSource`, a `MemorySource`). */
  declare source: DataSource | undefined;
  declare _run: ApiRun | null;
  declare _layout: DashboardLayout | null;
  declare _logs: ApiLogLine[];
  declare _error: string | null;
  declare _shown: ReadonlySet<string>;

  #ownSource: ServerSource | null = null;
  #observer: IntersectionObserver | null = null;
  #ticks = 0;
  #logTimer: ReturnType<typeof setInterval> | null = null;
  #seq = 0;
  #series: ApiSeries[] = [];

  constructor() {
    super();
    this.xAxis = 'step';
    this.smoothing = 0;
    this.logLines = 200;
    this.chartHeight = 200;
    this.refreshMs = 2000;
    this._run = null;
    this._layout = null;
    this._logs = [];
    this._error = null;
    this._shown = new Set();
  }

  /** Number of charts created so far (the rest wait to be scrolled to). */
  get renderedCharts(): number {
    return this.renderRoot.querySelectorAll('ts-chart').length;
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
    // Only what is on screen: charts just below the fold would delay the first paint of the
    // visible ones, and each chart reads fast enough to appear as it is scrolled to.
    this.#observer = new IntersectionObserver((entries) => this.#onIntersect(entries), { rootMargin: '0px' });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#observer?.disconnect();
    this.#observer = null;
    this.#stopRefresh();
    this.#seq++;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('run') || changed.has('server') || changed.has('apiKey') || changed.has('source')) {
      void this.#load();
    }
    for (const slot of this.renderRoot.querySelectorAll('.slot:not([data-shown])')) this.#observer?.observe(slot);
  }

  #stopRefresh(): void {
    if (this.#logTimer) clearInterval(this.#logTimer);
    this.#logTimer = null;
  }

  async #load(): Promise<void> {
    const source = this.#source;
    const runId = this.run;
    this.#stopRefresh();
    if (!source || !runId) return;
    const seq = ++this.#seq;
    this._error = null;
    try {
      const [run, series, logs] = await Promise.all([
        source.getRun(runId),
        source.listSeries(runId),
        source.logs(runId, this.logLines),
      ]);
      if (seq !== this.#seq) return;
      this.#series = series;
      this._run = run;
      this._layout = dashboardLayout(series);
      this._logs = logs;
      this._shown = new Set();
      // Not a live subscription to the run: that asks for every point of every series from the
      // start. The charts follow their own series; status, log and new series are polled.
      if (run.status === 'running') {
        this.#logTimer = setInterval(() => void this.#refresh(), this.refreshMs);
      }
      const charts = this._layout.system.length + this._layout.training.length;
      this.dispatchEvent(
        new CustomEvent('ts-loaded', { detail: { run, series: series.length, charts }, bubbles: true, composed: true }),
      );
    } catch (error) {
      if (seq !== this.#seq) return;
      this._error = error instanceof Error ? error.message : String(error);
      this.dispatchEvent(new CustomEvent('ts-error', { detail: { error }, bubbles: true, composed: true }));
    }
  }

  /** While the run runs: its status and log every tick, its series list every fifth (new metrics get charts). */
  async #refresh(): Promise<void> {
    const source = this.#source;
    const runId = this.run;
    if (!source || !runId) return;
    const seq = this.#seq;
    const tick = ++this.#ticks;
    try {
      const [run, logs, series] = await Promise.all([
        source.getRun(runId),
        source.logs(runId, this.logLines),
        tick % 5 === 0 ? source.listSeries(runId) : null,
      ]);
      if (seq !== this.#seq) return;
      this._run = run;
      this._logs = logs;
      if (series && series.length !== this.#series.length) {
        this.#series = series;
        this._layout = dashboardLayout(series);
      }
      if (run.status !== 'running') this.#stopRefresh();
    } catch {
      // A missed refresh is retried on the next tick.
    }
  }

  #onIntersect(entries: IntersectionObserverEntry[]): void {
    const add = entries.filter((e) => e.isIntersecting).map((e) => (e.target as HTMLElement).dataset['key'] as string);
    if (add.length === 0) return;
    const next = new Set(this._shown);
    for (const key of add) next.add(key);
    for (const e of entries) if (e.isIntersecting) this.#observer?.unobserve(e.target);
    this._shown = next;
  }

  override render() {
    if (this._error) return html`<p class="error" role="alert">${this._error}</p>`;
    const run = this._run;
    const layout = this._layout;
    if (!run || !layout) return html`<p>Loading…</p>`;
    const started = run.started_at ? Date.parse(run.started_at) : null;
    const ended = run.ended_at ? Date.parse(run.ended_at) : run.status === 'running' ? Date.now() : null;
    const params = Object.entries(run.params);
    const host = Object.entries(run.host);
    return html`
      <header>
        <h2>${run.name || run.id}</h2>
        <span class="status ${run.status}">${run.status}</span>
        <span>${run.project}</span>
        <code>${run.id}</code>
      </header>
      <div class="facts">
        <section>
          <h4>Run</h4>
          <dl>
            <dt>created</dt><dd>${formatTime(run.created_at)}</dd>
            <dt>started</dt><dd>${formatTime(run.started_at)}</dd>
            <dt>ended</dt><dd>${formatTime(run.ended_at)}</dd>
            <dt>duration</dt><dd>${formatDuration(started !== null && ended !== null ? ended - started : null)}</dd>
            ${run.exit_code !== null ? html`<dt>exit code</dt><dd>${run.exit_code}</dd>` : nothing}
            ${run.error_message ? html`<dt>error</dt><dd class="error">${run.error_message}</dd>` : nothing}
            ${run.tags.length ? html`<dt>tags</dt><dd>${run.tags.join(', ')}</dd>` : nothing}
          </dl>
        </section>
        ${
          params.length
            ? html`<section class="params"><h4>Params</h4><dl>
              ${params.map(([k, v]) => html`<dt>${k}</dt><dd>${jsonText(v)}</dd>`)}
            </dl></section>`
            : nothing
        }
        ${
          host.length
            ? html`<section class="host"><h4>Machine</h4><dl>
              ${host.map(([k, v]) => html`<dt>${k}</dt><dd>${jsonText(v)}</dd>`)}
            </dl></section>`
            : nothing
        }
      </div>
      ${this.#section('System metrics', layout.system, 'system')}
      ${this.#section('Training metrics', layout.training, 'training')}
      <h3>Log</h3>
      <pre class="log">${this._logs.map((l) => html`<span class=${l.stream}>${l.text}\n</span>`)}</pre>
    `;
  }

  #section(title: string, groups: ChartGroup[], kind: string) {
    if (groups.length === 0) return nothing;
    const height = this.chartHeight;
    return html`
      <h3>${title}</h3>
      <div class="grid ${kind}" style="--_slot-height:${height + 80}px">
        ${groups.map((g) => {
          const key = `${kind}:${g.key}`;
          const shown = this._shown.has(key);
          return html`<div class="slot" data-key=${key} ?data-shown=${shown}>
            ${
              shown
                ? html`<ts-chart .source=${this.#source ?? undefined} series=${g.seriesIds.join(',')} heading=${g.title}
                  x-axis=${kind === 'system' ? 'relative' : this.xAxis} .smoothing=${kind === 'training' ? this.smoothing : 0} .height=${height}
                  theme=${this.theme || nothing}></ts-chart>`
                : html`<div class="placeholder">${g.title}</div>`
            }
          </div>`;
        })}
      </div>
    `;
  }

  /** Series of the run as read (after `ts-loaded`). */
  get seriesList(): readonly ApiSeries[] {
    return this.#series;
  }
}

if (!customElements.get('ts-run-dashboard')) customElements.define('ts-run-dashboard', TsRunDashboard);

declare global {
  interface HTMLElementTagNameMap {
    'ts-run-dashboard': TsRunDashboard;
  }
}
