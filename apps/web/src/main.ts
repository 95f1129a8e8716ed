import { ServerSource, type TsRunTable } from '@trainscope/viewer';
import { parseRoute, type Route, routeHash } from './route.js';

const params = new URLSearchParams(location.search);
// Served by the trainscope server itself, so the API is on this origin unless `?server=` says otherwise.
const server = params.get('server') ?? location.origin;
const apiKey = params.get('key') ?? localStorage.getItem('trainscope-api-key') ?? undefined;
if (params.get('key')) localStorage.setItem('trainscope-api-key', params.get('key') as string);
const source = new ServerSource({ url: server, ...(apiKey ? { apiKey } : {}) });

const app = document.getElementById('app') as HTMLElement;
const crumbs = document.getElementById('crumbs') as HTMLElement;
const themeSelect = document.getElementById('theme') as HTMLSelectElement;

function theme(): string {
  return localStorage.getItem('trainscope-theme') ?? '';
}
themeSelect.value = theme();
themeSelect.addEventListener('change', () => {
  localStorage.setItem('trainscope-theme', themeSelect.value);
  applyTheme();
});
function applyTheme(): void {
  const t = theme();
  if (t) document.documentElement.dataset['theme'] = t;
  else delete document.documentElement.dataset['theme'];
  for (const el of app.querySelectorAll('ts-chart, ts-run-dashboard, ts-run-table')) {
    if (t) el.setAttribute('theme', t);
    else el.removeAttribute('theme');
  }
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, unknown>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith('attr:')) node.setAttribute(k.slice(5), String(v));
    else (node as unknown as Record<string, unknown>)[k] = v;
  }
  node.append(...children);
  return node;
}

function link(route: Route, text: string): HTMLAnchorElement {
  return el('a', { href: routeHash(route) }, text);
}

async function showProjects(): Promise<void> {
  crumbs.replaceChildren();
  const projects = await source.listProjects();
  app.replaceChildren(
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
  crumbs.replaceChildren('/ ', project);
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
  const compare = el('a', { href: '#/compare' }, 'Compare selected');
  compare.style.visibility = 'hidden';
  table.addEventListener('ts-selection-change', (e) => {
    const selected = (e as CustomEvent<{ runs: string[] }>).detail.runs;
    compare.href = routeHash({ page: 'compare', runs: selected, metrics: names });
    compare.style.visibility = selected.length > 0 ? 'visible' : 'hidden';
  });
  app.replaceChildren(el('h2', {}, project), el('div', { className: 'toolbar' }, compare), table);
}

function showRun(run: string): void {
  crumbs.replaceChildren('/ run ', run);
  app.replaceChildren(el('ts-run-dashboard', { source, run }));
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
  app.replaceChildren(el('div', { className: 'toolbar' }, el('label', {}, 'smoothing ', smoothing)), grid);
}

async function render(): Promise<void> {
  const route = parseRoute(location.hash);
  try {
    if (route.page === 'projects') await showProjects();
    else if (route.page === 'project') await showProject(route.project);
    else if (route.page === 'run') showRun(route.run);
    else await showCompare(route.runs, route.metrics);
  } catch (error) {
    app.replaceChildren(el('p', { className: 'error' }, error instanceof Error ? error.message : String(error)));
  }
  applyTheme();
}

window.addEventListener('hashchange', () => void render());
void render();
