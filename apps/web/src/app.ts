import { type DataSource, ServerError, type TsRunTable } from '@trainscope/viewer';
import { parseRoute, type Route, routeHash } from './route.js';

/** The page's fixed parts the app draws into. */
export interface AppShell {
  /** Where each page is drawn. */
  main: HTMLElement;
  /** Breadcrumbs in the top bar. */
  crumbs: HTMLElement;
  /** Theme selector (`''` system, `light`, `dark`). */
  theme: HTMLSelectElement;
}

/** What the app keeps between visits (`localStorage` in the page). */
export interface AppStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const THEME_KEY = 'trainscope-theme';
/** Where an API key is kept between visits. */
export const API_KEY_KEY = 'trainscope-api-key';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, unknown>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) (node as unknown as Record<string, unknown>)[k] = v;
  node.append(...children);
  return node;
}

/**
 * The dashboard app: projects, a project's runs, a run's dashboard and a comparison, one page
 * per URL hash (deep links), drawn from `@trainscope/viewer` components over one data source.
 * Returns a function that stops it.
 */
export function mountApp(shell: AppShell, source: DataSource, storage: AppStorage): () => void {
  const { main, crumbs, theme } = shell;

  function applyTheme(): void {
    const t = storage.getItem(THEME_KEY) ?? '';
    if (t) document.documentElement.dataset['theme'] = t;
    else delete document.documentElement.dataset['theme'];
    for (const node of main.querySelectorAll('ts-chart, ts-run-dashboard, ts-run-table')) {
      if (t) node.setAttribute('theme', t);
      else node.removeAttribute('theme');
    }
  }
  theme.value = storage.getItem(THEME_KEY) ?? '';
  const onTheme = () => {
    storage.setItem(THEME_KEY, theme.value);
    applyTheme();
  };
  theme.addEventListener('change', onTheme);

  const link = (route: Route, text: string) => el('a', { href: routeHash(route) }, text);

  async function showProjects(): Promise<void> {
    crumbs.replaceChildren();
    const projects = await source.listProjects();
    main.replaceChildren(
      el('h2', {}, 'Projects'),
      projects.length === 0
        ? el('p', {}, 'No runs yet. Start one with `trainscope run -- python train.py`.')
        : el(
            'ul',
            { className: 'projects' },
            ...projects.map((p) =>
              el('li', {}, link({ page: 'project', project: p.name }, p.name), ` — ${p.run_count} runs`),
            ),
          ),
    );
  }

  async function showProject(project: string): Promise<void> {
    crumbs.replaceChildren('/ ', link({ page: 'project', project }, project));
    const runs = await source.listRuns({ project, limit: 50 });
    // Summary columns: the training series of the newest run (up to six).
    const names = runs[0]
      ? (await source.listSeries(runs[0].id))
          .filter((s) => s.kind === 'training')
          .map((s) => s.name)
          .slice(0, 6)
      : [];
    const table = el('ts-run-table', {
      source,
      project,
      summaries: names.join(','),
      runHref: '#/run/{id}',
    }) as TsRunTable;
    const compare = el('a', { href: '#/compare', className: 'compare-link' }, 'Compare selected');
    compare.hidden = true;
    table.addEventListener('ts-selection-change', (e) => {
      const selected = (e as CustomEvent<{ runs: string[] }>).detail.runs;
      compare.href = routeHash({ page: 'compare', runs: selected, metrics: names });
      compare.hidden = selected.length === 0;
    });
    main.replaceChildren(el('h2', {}, project), el('div', { className: 'toolbar' }, compare), table);
  }

  async function showRun(run: string): Promise<void> {
    const info = await source.getRun(run);
    crumbs.replaceChildren(
      '/ ',
      link({ page: 'project', project: info.project }, info.project),
      ' / ',
      info.name || info.id,
    );
    main.replaceChildren(el('ts-run-dashboard', { source, run }));
  }

  async function showCompare(runs: string[], metrics: string[]): Promise<void> {
    crumbs.replaceChildren('/ compare ', runs.join(', '));
    let names = metrics;
    if (names.length === 0 && runs[0]) {
      names = (await source.listSeries(runs[0])).filter((s) => s.kind === 'training').map((s) => s.name);
    }
    const smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: '0' });
    const grid = el(
      'div',
      { className: 'compare' },
      ...names.map((metric) => el('ts-chart', { source, runs: runs.join(','), metric, heading: metric })),
    );
    smoothing.addEventListener('input', () => {
      for (const c of grid.querySelectorAll('ts-chart')) c.smoothing = Number(smoothing.value);
    });
    main.replaceChildren(el('div', { className: 'toolbar' }, el('label', {}, 'smoothing ', smoothing)), grid);
  }

  function showError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ServerError && error.status === 401) {
      // The server wants a key: ask for one, keep it, and read again.
      const input = el('input', { type: 'password', placeholder: 'tsk_…', name: 'key', autocomplete: 'off' });
      const form = el(
        'form',
        { className: 'key-form' },
        el('p', {}, 'This server needs an API key (`trainscope keys create`).'),
        input,
        el('button', { type: 'submit' }, 'Use key'),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        storage.setItem(API_KEY_KEY, input.value.trim());
        location.reload();
      });
      main.replaceChildren(form);
      return;
    }
    main.replaceChildren(el('p', { className: 'error', role: 'alert' }, message));
  }

  let seq = 0;
  async function render(): Promise<void> {
    const mine = ++seq;
    const route = parseRoute(location.hash);
    try {
      if (route.page === 'projects') await showProjects();
      else if (route.page === 'project') await showProject(route.project);
      else if (route.page === 'run') await showRun(route.run);
      else await showCompare(route.runs, route.metrics);
    } catch (error) {
      if (mine === seq) showError(error);
    }
    applyTheme();
  }

  const onHash = () => void render();
  window.addEventListener('hashchange', onHash);
  void render();
  return () => {
    window.removeEventListener('hashchange', onHash);
    theme.removeEventListener('change', onTheme);
    main.replaceChildren();
  };
}
