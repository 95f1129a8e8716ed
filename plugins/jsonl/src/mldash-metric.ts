import { joinName } from '@trainscope/core';
import { parseIsoTime } from './iso-time.js';
import { isBlank, LineSplitter } from './line-splitter.js';
import type { MldashTemplate } from './mldash-template.js';
import { quotedKeyForms, writtenAsInteger } from './mldash-template.js';
import { parseJsonLine } from './parse-json-line.js';
import { RejectReason } from './reasons.js';
import type { RejectionTally } from './rejection-tally.js';

/**
 * A metric file, parsed, columnar: record `r` holds the fields `fieldStart[r]` up to
 * `fieldStart[r + 1]` (key `keys[fieldKey[i]]`, value `fieldValue[i]`); `createdAt[r]` is NaN
 * where the record had none.
 */
export interface MldashMetric {
  /** Records read (lines that were records). */
  count: number;
  line: number[];
  createdAt: number[];
  fieldStart: number[];
  fieldKey: number[];
  fieldValue: number[];
  /** Data keys (nested ones joined with `/`) in first-seen order. */
  keys: string[];
  template: MldashTemplate;
  /** Data keys that held something other than a number somewhere (skipped there). */
  skipped: string[];
}

/**
 * Parses the bytes of one ml-dash `data.jsonl` (`{"index": n, "data": {...}, "createdAt": "..."}`
 * per line; older versions' `{"timestamp": "...", "data": {...}}` too). Lines that are not such
 * records are counted in `tally` with their line number.
 */
export function parseMldashMetric(
  bytes: Buffer,
  file: string,
  tally: RejectionTally,
  maxLineBytes?: number,
): MldashMetric {
  const splitter = new LineSplitter(maxLineBytes);
  const lines = [...splitter.push(bytes), ...splitter.end()];
  const out: MldashMetric = {
    count: 0,
    line: [],
    createdAt: [],
    fieldStart: [0],
    fieldKey: [],
    fieldValue: [],
    keys: [],
    template: { keys: [], x: null, ints: [], createdAt: false },
    skipped: [],
  };
  // Per key (raw path): its index in `keys`, its quoted forms, whether all its values were integers.
  const keyIndex = new Map<string, number>();
  const forms: string[][] = [];
  const allInts: boolean[] = [];
  const skipped = new Set<string>();
  let anyCreatedAt = false;
  let line = '';

  const keyOf = (path: string): number => {
    let k = keyIndex.get(path);
    if (k === undefined) {
      const key = joinName(...path.split('/'));
      k = out.keys.indexOf(key);
      if (k < 0) {
        k = out.keys.push(key) - 1;
        forms.push(quotedKeyForms(key.slice(key.lastIndexOf('/') + 1)));
        allInts.push(true);
      }
      keyIndex.set(path, k);
    }
    return k;
  };
  const visit = (path: string, value: unknown): void => {
    if (typeof value === 'number') {
      const k = keyOf(path);
      out.fieldKey.push(k);
      out.fieldValue.push(value);
      if (allInts[k] && (!Number.isInteger(value) || !writtenAsInteger(line, '', value, forms[k]))) allInts[k] = false;
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      for (const key in obj) visit(path === '' ? key : `${path}/${key}`, obj[key]);
    } else if (value !== undefined) {
      skipped.add(joinName(...path.split('/')));
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const lineNo = i + 1;
    if (text === null || text === undefined) {
      tally.reject(RejectReason.oversized, file, lineNo, 'line longer than maxLineBytes, skipped');
      continue;
    }
    if (isBlank(text)) continue;
    const parsed = parseJsonLine(text);
    if (!parsed.ok) {
      tally.reject(parsed.reason, file, lineNo, parsed.detail);
      continue;
    }
    const data = parsed.value['data'];
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      tally.reject(RejectReason.notObject, file, lineNo, 'an ml-dash record needs a "data" object');
      continue;
    }
    const created = parsed.value['createdAt'] ?? parsed.value['timestamp'];
    if (typeof created === 'string') anyCreatedAt = true;
    line = text;
    visit('', data);
    out.count++;
    out.line.push(lineNo);
    out.createdAt.push(typeof created === 'string' ? parseIsoTime(created) : Number.NaN);
    out.fieldStart.push(out.fieldKey.length);
  }

  const finite = (key: string) => {
    const k = out.keys.indexOf(key);
    return k >= 0 && out.fieldKey.some((fk, i) => fk === k && Number.isFinite(out.fieldValue[i]));
  };
  const x = finite('step') ? 'step' : finite('epoch') ? 'epoch' : null;
  out.template = { keys: out.keys, x, ints: out.keys.filter((_, k) => allInts[k]), createdAt: anyCreatedAt };
  out.skipped = [...skipped];
  return out;
}
