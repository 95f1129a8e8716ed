import type { JsonValue } from '@trainscope/core';
import { CliError } from './cli-error.js';

/**
 * Parses `--param k=v` pairs. Values that read as JSON numbers, booleans or null become those;
 * anything else stays a string (`lr=1e-3` is 0.001, `opt=adam` is "adam").
 */
export function parseParams(pairs: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--param expects key=value, got "${pair}".`, 2);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    out[key] = parseValue(raw);
  }
  return out;
}

function parseValue(raw: string): JsonValue {
  if (/^(true|false|null)$/.test(raw)) return JSON.parse(raw) as JsonValue;
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) {
    const n = Number(raw);
    if (Number.isFinite(n)) return n;
  }
  return raw;
}
