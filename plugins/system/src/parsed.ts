/** The outcome of parsing one kernel file: a value, or the reason it was refused. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; detail: string };

/** A successful parse. */
export function accept<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

/** A refused parse; `detail` quotes (a bounded piece of) the offending text. */
export function reject<T>(reason: string, detail: string): Parsed<T> {
  return { ok: false, reason, detail: detail.length > 120 ? `${detail.slice(0, 120)}…` : detail };
}

/** Parses a whole non-negative decimal integer field (kernel counters); NaN when it is not one. */
export function counter(field: string | undefined): number {
  if (field === undefined || !/^\d{1,20}$/.test(field)) return Number.NaN;
  return Number(field);
}
