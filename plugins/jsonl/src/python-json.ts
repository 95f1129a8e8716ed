/**
 * Writes values the way Python's `json.dumps` does (default arguments), so files written here are
 * byte for byte what ml-dash writes: `", "` and `": "` separators, non-ASCII escaped, floats in
 * `repr` form (`1.0`, `1e-05`, `1e+16`), `NaN` / `Infinity` bare.
 */

/** A JSON value plus the marker for numbers that Python holds as floats. */
export type PyValue = string | number | boolean | null | PyFloat | PyValue[] | { [key: string]: PyValue };

/** A number written as a Python float (`1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's `repr(float)`. */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-4 && abs < 1e16) {
    // Here JS and Python both write plain decimals with the same shortest digits; Python adds ".0".
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  // toExponential() gives the shortest round-trip digits, as Python's repr does.
  const [mantissa = '', expText = '0'] = value.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const text = value.toFixed(Math.max(0, mantissa.replace(/^-?\d\.?/, '').length - exp));
  return text.includes('.') ? text : `${text}.0`;
}

/** Python's `json.dumps` of an integer-valued number. */
export function pythonInt(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

/** Python's `json.dumps(text)` (ensure_ascii). */
export function pythonString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Python's `json.dumps(value)`, or `json.dumps(value, indent=n)` when `indent` is given. */
export function pythonJson(value: PyValue, indent?: number, depth = 0): string {
  if (value === null) return 'null';
  if (value instanceof PyFloat) return pythonFloat(value.value);
  switch (typeof value) {
    case 'string':
      return pythonString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isInteger(value) ? pythonInt(value) : pythonFloat(value);
  }
  const entries: [string | null, PyValue][] = Array.isArray(value)
    ? value.map((v) => [null, v])
    : Object.entries(value).map(([k, v]) => [k, v]);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return `${open}${close}`;
  const items = entries.map(([k, v]) => {
    const body = pythonJson(v, indent, depth + 1);
    return k === null ? body : `${pythonString(k)}: ${body}`;
  });
  if (indent === undefined) return `${open}${items.join(', ')}${close}`;
  const inner = ' '.repeat(indent * (depth + 1));
  const outer = ' '.repeat(indent * depth);
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${outer}${close}`;
}
