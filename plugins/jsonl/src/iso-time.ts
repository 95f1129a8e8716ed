const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO 8601 date-time to epoch milliseconds, keeping microseconds as the fraction
 * (Python's `isoformat()` writes six digits; digits past the sixth are dropped, as DuckDB does).
 * A time without a zone is taken as UTC (ml-dash writes `utcnow()`). Returns NaN when unreadable.
 */
export function parseIsoTime(text: string): number {
  // Fast path for the UTC form ml-dash writes, many per second: the whole seconds are parsed once.
  if (text.length >= 20 && text.charCodeAt(text.length - 1) === 0x5a && text.charCodeAt(10) === 0x54) {
    const head = text.slice(0, 19);
    const rest = text.slice(19, -1);
    if (rest === '' || FRACTION.test(rest)) {
      if (head !== lastHead) {
        lastHeadMs = slowParse(`${head}Z`);
        lastHead = head;
      }
      return rest === '' ? lastHeadMs : lastHeadMs + Number(rest.slice(1, 7).padEnd(6, '0')) / 1000;
    }
  }
  return slowParse(text);
}

const FRACTION = /^\.\d+$/;
let lastHead = '';
let lastHeadMs = Number.NaN;

function slowParse(text: string): number {
  const m = ISO.exec(text);
  if (!m) return Date.parse(text);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac) ms += Number(frac.slice(0, 6).padEnd(6, '0')) / 1000;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

/**
 * Formats epoch milliseconds the way ml-dash writes times (`datetime.utcnow().isoformat() + "Z"`):
 * `2024-01-15T10:30:00.123456Z`, without the fraction when the microseconds are zero.
 */
export function formatPythonIsoTime(ms: number): string {
  const micros = Math.round(ms * 1000);
  const wholeMs = Math.floor(micros / 1_000_000) * 1000;
  const frac = micros - wholeMs * 1000;
  const base = new Date(wholeMs).toISOString().slice(0, 19);
  return frac === 0 ? `${base}Z` : `${base}.${String(frac).padStart(6, '0')}Z`;
}

/**
 * Reads a `timestamp` field: a number is epoch seconds when below 1e11 (Python's `time.time()`),
 * epoch milliseconds otherwise; a string is ISO 8601. Returns NaN when it is neither.
 */
export function readTimestamp(value: unknown): number {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') return parseIsoTime(value);
  return Number.NaN;
}
