import type { ApiRun } from '@trainscope/client';
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import type { DataSource } from './data-source.js';
import { formatDuration, formatTime, formatValue } from './format.js';
import { type RunSort, runDuration, runRows, summaryLast } from './run-rows.js';
import { ServerSource } from './server-source.js';
import { themeStyles } from './theme.js';

/** Detail of `ts-selection-change`. */
export interface SelectionDetail {
  runs: string[];
}

/**
 * `<ts-run-table>`: the runs of a project with status, times and summary columns (last value of
 * named series), sortable by any column, filtered by text, with a selection that charts overlay
 * (`<ts-chart runs=… metric=…>`).
 *
 * @fires ts-selection-change - the selection changed; detail `SelectionDetail`
 * @fires ts-run-open - a run's name was clicked; detail `{ run }` (cancel it to stop the link)
 */
export class TsRunTable extends LitElement {
  static override properties = {
    server: { type: String },
    apiKey: { type: String, attribute: 'api-key' },
    project: { type: String },
    summaries: { type: String },
    runHref: { type: String, attribute: 'run-href' },
    filter: { type: String },
    source: { attribute: false },
    runs: { attribute: false },
    selected: { attribute: false },
    _sort: { state: true },
    _error: { state: true },
  };

  static override styles = [
    themeStyles,
    css`
      :host {
        display: block;
      }
      input[type='search'] {
        font: inherit;
        padding: 4px 8px;
        border: 1px solid var(--_border);
        border-radius: 4px;
        background: var(--_bg);
        color: var(--_fg);
        margin-bottom: 8px;
        width: min(320px, 100%);
      }
      table {
        border-collapse: collapse;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 4px 8px;
        border-bottom: 1px solid var(--_border);
        white-space: nowrap;
      }
      th button {
        font: inherit;
        font-weight: 600;
        color: var(--_fg);
        background: none;
        border: none;
        padding: 0;
        cursor: pointer;
      }
      td.num {
        font-family: var(--_mono);
        text-align: right;
      }
      a {
        color: var(--_accent);
      }
      .status.failed {
        color: var(--_nan);
      }
      .status.running {
        color: var(--_accent);
      }
      tr[aria-selected='true'] {
        background: var(--_grid);
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
  /** Project whose runs are listed. @default every project */
  declare project: string | undefined;
  /** Comma-separated series names shown as columns (their last value). @default '' */
  declare summaries: string;
  /** Link of a run's name, `{id}` replaced by the run id (e.g. `#/run/{id}`). @default none (event only) */
  declare runHref: string | undefined;
  /** Filter text (matches name, id, status, tags, params). @default '' */
  declare filter: string;
  /** Where to read from instead of `server`. */
  declare source: DataSource | undefined;
  /** Runs handed in (with `summaries` filled) instead of reading them. */
  declare runs: ApiRun[] | undefined;
  /** Selected run ids. @default [] */
  declare selected: string[];
  declare _sort: RunSort;
  declare _error: string | null;

  #loaded: ApiRun[] = [];
  #ownSource: ServerSource | null = null;

  constructor() {
    super();
    this.summaries = '';
    this.filter = '';
    this.selected = [];
    this._sort = { key: 'created', descending: true };
    this._error = null;
  }

  get #columns(): string[] {
    return this.summaries
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** Rows as shown (filtered and sorted). */
  get rows(): ApiRun[] {
    return runRows(this.runs ?? this.#loaded, this.filter, this._sort);
  }

  /** Reads the runs again. */
  async refresh(): Promise<void> {
    const source = this.source ?? this.#server();
    if (!source || this.runs) return;
    try {
      this.#loaded = await source.listRuns({
        ...(this.project ? { project: this.project } : {}),
        summaries: this.#columns,
      });
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
    }
    this.requestUpdate();
  }

  #server(): ServerSource | null {
    if (!this.server) return null;
    if (!this.#ownSource || this.#ownSource.url !== this.server.replace(/\/+$/, '')) {
      this.#ownSource = new ServerSource({ url: this.server, ...(this.apiKey ? { apiKey: this.apiKey } : {}) });
    }
    return this.#ownSource;
  }

  override updated(changed: PropertyValues<this>): void {
    if (['server', 'apiKey', 'project', 'summaries', 'source'].some((k) => changed.has(k as keyof TsRunTable))) {
      void this.refresh();
    }
  }

  /** Sorts by a column; sorting by the same column again flips the direction. */
  sortBy(key: string): void {
    this._sort = { key, descending: this._sort.key === key ? !this._sort.descending : key !== 'name' };
  }

  #toggle(id: string, on: boolean): void {
    const next = new Set(this.selected);
    if (on) next.add(id);
    else next.delete(id);
    this.selected = [...next];
    this.dispatchEvent(
      new CustomEvent<SelectionDetail>('ts-selection-change', {
        detail: { runs: this.selected },
        bubbles: true,
        composed: true,
      }),
    );
  }

  #open(event: Event, run: ApiRun): void {
    const go = this.dispatchEvent(
      new CustomEvent('ts-run-open', { detail: { run }, bubbles: true, composed: true, cancelable: true }),
    );
    if (!go || !this.runHref) event.preventDefault();
  }

  #header(key: string, label: string) {
    const arrow = this._sort.key === key ? (this._sort.descending ? ' ▼' : ' ▲') : '';
    return html`<th aria-sort=${this._sort.key === key ? (this._sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button data-sort=${key} @click=${() => this.sortBy(key)}>${label}${arrow}</button>
    </th>`;
  }

  override render() {
    const columns = this.#columns;
    const selected = new Set(this.selected);
    return html`
      <input type="search" placeholder="Filter runs" .value=${this.filter}
        @input=${(e: Event) => {
          this.filter = (e.target as HTMLInputElement).value;
        }} />
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      <table>
        <thead>
          <tr>
            <th></th>
            ${this.#header('name', 'Run')} ${this.#header('status', 'Status')} ${this.#header('created', 'Created')}
            ${this.#header('duration', 'Duration')} ${columns.map((c) => this.#header(`summary:${c}`, c))}
          </tr>
        </thead>
        <tbody>
          ${this.rows.map(
            (r) => html`<tr data-run=${r.id} aria-selected=${selected.has(r.id) ? 'true' : 'false'}>
              <td><input type="checkbox" aria-label="select ${r.name || r.id}" .checked=${selected.has(r.id)}
                @change=${(e: Event) => this.#toggle(r.id, (e.target as HTMLInputElement).checked)} /></td>
              <td><a href=${this.runHref ? this.runHref.replace('{id}', encodeURIComponent(r.id)) : '#'}
                @click=${(e: Event) => this.#open(e, r)}>${r.name || r.id}</a></td>
              <td class="status ${r.status}">${r.status}</td>
              <td>${formatTime(r.created_at)}</td>
              <td>${formatDuration(runDuration(r))}</td>
              ${columns.map((c) => html`<td class="num">${formatValue(r.summaries?.[c] ? summaryLast(r, c) : null)}</td>`)}
            </tr>`,
          )}
        </tbody>
      </table>
    `;
  }
}

if (!customElements.get('ts-run-table')) customElements.define('ts-run-table', TsRunTable);

declare global {
  interface HTMLElementTagNameMap {
    'ts-run-table': TsRunTable;
  }
}
