import { randomBytes } from 'node:crypto';
import { RejectReason as R, type RejectReason } from './reasons.js';

/** A parsed line: the object, or why it was refused. */
export type ParsedLine =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: RejectReason; detail: string };

// Python's json.dumps writes NaN, Infinity and -Infinity as bare words; JSON.parse refuses them.
// They are swapped for strings no real value holds and swapped back after. The strings carry a
// nonce drawn at start-up: a fixed marker could be written into a line as an escaped string
// ("\u0000ts-nonfinite:NaN") and would then be read back as a number.
const SENTINEL_PREFIX = `\u0000ts-nonfinite-${randomBytes(12).toString('hex')}:`;
const SENTINELS: Record<string, number> = {
  [`${SENTINEL_PREFIX}NaN`]: Number.NaN,
  [`${SENTINEL_PREFIX}Infinity`]: Number.POSITIVE_INFINITY,
  [`${SENTINEL_PREFIX}-Infinity`]: Number.NEGATIVE_INFINITY,
};

/**
 * Parses one line of JSON lines: a JSON object, with Python's `NaN`, `Infinity` and `-Infinity`
 * accepted as numbers. Never throws; a refused line says why.
 */
export function parseJsonLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const lenient = line.includes('NaN') || line.includes('Infinity') ? parseNonFinite(line) : undefined;
    if (lenient === undefined) return refuse(line, error);
    value = lenient;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: R.notObject, detail: `expected a JSON object, got ${describe(value)}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function refuse(line: string, error: unknown): ParsedLine {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL marks binary input
  if (/[\u0000\ufffd]/.test(line)) return { ok: false, reason: R.binary, detail: 'line holds NUL or non-UTF-8 bytes' };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, reason: R.malformed, detail: `${message}: ${preview(line)}` };
}

function parseNonFinite(line: string): unknown {
  const rewritten = replaceBareNonFinite(line);
  if (rewritten === line) return undefined;
  try {
    return JSON.parse(rewritten, (_key, v: unknown) =>
      typeof v === 'string' && v.startsWith(SENTINEL_PREFIX) && v in SENTINELS ? SENTINELS[v] : v,
    );
  } catch {
    return undefined;
  }
}

/** Replaces `NaN`, `Infinity`, `-Infinity` outside strings with sentinel strings. */
function replaceBareNonFinite(line: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    for (const word of ['-Infinity', 'Infinity', 'NaN']) {
      if (line.startsWith(word, i)) {
        out += `${line.slice(last, i)}${JSON.stringify(`${SENTINEL_PREFIX}${word}`)}`;
        i += word.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  return last === 0 ? line : out + line.slice(last);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function preview(line: string): string {
  const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
  return JSON.stringify(shown);
}
