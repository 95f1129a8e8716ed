/**
 * A flat copy of `s`. V8 makes a slice of 13 characters or more a view that keeps its whole
 * parent alive (a decoded 64 KiB chunk, for a metric name), and a concatenation a rope that it
 * compares off its fast path; shorter strings are flat copies already. For strings kept long
 * (series names in maps, held line heads), made once per distinct string.
 */
export function flatCopy(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
