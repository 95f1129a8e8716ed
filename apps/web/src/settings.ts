/** Where the page finds its API, and with which key. */
export interface PageSettings {
  /** API base URL: `?server=`, else the folder the page is served from (its own server). */
  server: string;
  /** API key: `?key=`, else the one kept from an earlier visit. */
  apiKey: string | undefined;
  /** A key given in the URL, to keep for later visits. */
  keyToStore: string | undefined;
  /** The page's URL without `key`, so the key does not stay in the address bar or history. */
  href: string;
}

/**
 * Reads the page's settings from its URL. With no `server` the API is relative to the page: the
 * server that serves `apps/web/dist` at `http://host:6070/` answers `http://host:6070/api/v1`, and
 * one behind a proxy at `https://host/trainscope/` answers `https://host/trainscope/api/v1`.
 */
export function pageSettings(href: string, storedKey: string | null): PageSettings {
  const url = new URL(href);
  const server = url.searchParams.get('server')?.trim() || new URL('.', url).href;
  const given = url.searchParams.get('key')?.trim() || undefined;
  url.searchParams.delete('key');
  return {
    server: server.replace(/\/+$/, ''),
    apiKey: given ?? (storedKey || undefined),
    keyToStore: given,
    href: url.href,
  };
}
