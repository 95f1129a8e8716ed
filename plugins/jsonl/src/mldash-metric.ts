import { joinName } from '@trainscope/core';
import { parseIsoTime } from './iso-time.js';
import { isBlank, LineSplitter } from './line-splitter.js';
import type { MldashTemplate } from './mldash-template.js';
import { writtenAsInteger } from './mldash-template.js';
import { parseJsonLine } from './parse-json-line.js';
import { RejectReason } from './reasons.js';
import type { RejectionTally } from './rejection-tally.js';

/** One record of a metric file: its numeric data fields and its `createdAt` (NaN when absent). */
export interface MldashRecord {
  line: number;
  createdAt: number;
  fields: [string, number][];
}

/** A metric file, parsed: its records and the template that writes them back. */
export interface MldashMetric {
  records: MldashRecord[];
  template: MldashTemplate;
  /** Data keys that held something other than a number somewhere (skipped there). */
  skipped: string[];
}

/**
 * Parses the bytes of one ml-dash `data.jsonl` (`{"index": n, "data": {...}, "createdAt": "..."}`
 * per line). Lines that are not such records are counted in `tally` with their line number.
 */
export function parseMldashMetric(
  bytes: Buffer,
  file: string,
  tally: RejectionTally,
  maxLineBytes?: number,
): MldashMetric {
  const splitter = new LineSplitter(maxLineBytes);
  const lines = [...splitter.push(bytes), ...splitter.end()];
  const records: MldashRecord[] = [];
  const keys = new Set<string>();
  const notInt = new Set<string>();
  const skipped = new Set<string>();
  let anyCreatedAt = false;
  // Raw key paths normalised once each, as flattenGroups/joinName would.
  const names = new Map<string, string>();
  const keyOf = (path: string): string => {
    let key = names.get(path);
    if (key === undefined) {
      key = joinName(...path.split('/'));
      names.set(path, key);
    }
    return key;
  };
  for (const [i, line] of lines.entries()) {
    const lineNo = i + 1;
    if (line === null) {
      tally.reject(RejectReason.oversized, file, lineNo, 'line longer than maxLineBytes, skipped');
      continue;
    }
    if (isBlank(line)) continue;
    const parsed = parseJsonLine(line);
    if (!parsed.ok) {
      tally.reject(parsed.reason, file, lineNo, parsed.detail);
      continue;
    }
    const data = parsed.value['data'];
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      tally.reject(RejectReason.notObject, file, lineNo, 'an ml-dash record needs a "data" object');
      continue;
    }
    // Older ml-dash versions wrote `{"timestamp": "...", "data": {...}}` to metrics/<name>.jsonl.
    const created = parsed.value['createdAt'] ?? parsed.value['timestamp'];
    if (typeof created === 'string') anyCreatedAt = true;
    const fields: [string, number][] = [];
    const visit = (path: string, value: unknown): void => {
      if (typeof value === 'number') {
        const key = keyOf(path);
        keys.add(key);
        fields.push([key, value]);
        if (!notInt.has(key)) {
          const leaf = key.slice(key.lastIndexOf('/') + 1);
          if (!Number.isInteger(value) || !writtenAsInteger(line, leaf, value)) notInt.add(key);
        }
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        for (const k in obj) visit(path === '' ? k : `${path}/${k}`, obj[k]);
      } else if (value !== undefined) {
        skipped.add(keyOf(path));
      }
    };
    visit('', data);
    records.push({ line: lineNo, createdAt: typeof created === 'string' ? parseIsoTime(created) : Number.NaN, fields });
  }
  const has = (key: string) => records.some((r) => r.fields.some(([k, v]) => k === key && Number.isFinite(v)));
  const x = has('step') ? 'step' : has('epoch') ? 'epoch' : null;
  const keyList = [...keys];
  return {
    records,
    template: { keys: keyList, x, ints: keyList.filter((k) => !notInt.has(k)), createdAt: anyCreatedAt },
    skipped: [...skipped],
  };
}
