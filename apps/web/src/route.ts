/** A page of the dashboard, parsed from the URL hash so every view has a deep link. */
export type Route =
  | { page: 'projects' }
  | { page: 'project'; project: string }
  | { page: 'run'; run: string }
  | { page: 'compare'; runs: string[]; metrics: string[] };

/** Parses `#/`, `#/project/<name>`, `#/run/<id>`, `#/compare?runs=a,b&metrics=m1,m2`. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  const list = (key: string) => (params.get(key) ?? '').split(',').filter(Boolean);
  if (parts[0] === 'project' && parts[1]) return { page: 'project', project: parts[1] };
  if (parts[0] === 'run' && parts[1]) return { page: 'run', run: parts[1] };
  if (parts[0] === 'compare') return { page: 'compare', runs: list('runs'), metrics: list('metrics') };
  return { page: 'projects' };
}

/** The hash of a route. */
export function routeHash(route: Route): string {
  switch (route.page) {
    case 'project':
      return `#/project/${encodeURIComponent(route.project)}`;
    case 'run':
      return `#/run/${encodeURIComponent(route.run)}`;
    case 'compare': {
      const q = new URLSearchParams();
      if (route.runs.length) q.set('runs', route.runs.join(','));
      if (route.metrics.length) q.set('metrics', route.metrics.join(','));
      return `#/compare?${q.toString().replace(/%2C/g, ',').replace(/%2F/g, '/')}`;
    }
    default:
      return '#/';
  }
}
