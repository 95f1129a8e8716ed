/** A DogStatsD tag set in canonical form: labels plus a key that ignores the order tags came in. */
export interface TagSet {
  /** Sorted `key:value` pairs joined by `,`; `''` for no tags. */
  readonly key: string;
  /** The tags as series labels; a flag tag (no `:`) has the value `''`. */
  readonly labels: Readonly<Record<string, string>>;
}

const NO_TAGS: TagSet = { key: '', labels: {} };

/**
 * Reads DogStatsD tags as sent after `|#`: `env:prod,gpu:0,warmup`. The first `:` splits key from
 * value (values may hold more colons); a repeated key keeps its last value; empty entries are
 * skipped.
 */
export function parseTags(raw: string): TagSet {
  if (raw.length === 0) return NO_TAGS;
  const labels: Record<string, string> = {};
  for (const tag of raw.split(',')) {
    const entry = tag.trim();
    if (entry.length === 0) continue;
    const colon = entry.indexOf(':');
    if (colon < 0) labels[entry] = '';
    else labels[entry.slice(0, colon)] = entry.slice(colon + 1);
  }
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return NO_TAGS;
  const sorted: Record<string, string> = {};
  for (const k of keys) sorted[k] = labels[k] as string;
  return { key: keys.map((k) => `${k}:${sorted[k]}`).join(','), labels: sorted };
}
