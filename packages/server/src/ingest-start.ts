import { START_METADATA_KEY } from '@trainscope/client';
import type { PointBatch } from '@trainscope/core';
import { ApiError } from './api-error.js';

const MAX_SERIES_ID = 0xffff_ffff;
const MAX_ENTRIES = 100_000;

/**
 * Checks a `start` map (series id -> position of that series' first point in the batch) and
 * returns it keyed by number. Pure; throws a 400 naming `field` for anything else.
 */
export function parseStartMap(raw: unknown, field: string): Map<number, number> {
  const bad = (why: string) => new ApiError(400, 'invalid_request', `${field} ${why}`, field);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw bad('must map series ids to positions, e.g. {"12": 0}.');
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_ENTRIES) throw bad(`has ${entries.length} entries; at most ${MAX_ENTRIES}.`);
  const out = new Map<number, number>();
  for (const [key, n] of entries) {
    const id = Number(key);
    if (!/^[0-9]{1,10}$/.test(key) || id > MAX_SERIES_ID) throw bad(`key "${key.slice(0, 32)}" is not a series id.`);
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw bad(`[${key}] = ${String(n).slice(0, 32)} is not a non-negative integer position.`);
    }
    out.set(id, n);
  }
  return out;
}

/** Reads the `start` map of an Arrow body from its schema metadata; null when there is none. */
export function startFromMetadata(metadata: Map<string, string>): Map<number, number> | null {
  const text = metadata.get(START_METADATA_KEY);
  if (text === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ApiError(
      400,
      'invalid_request',
      `Schema metadata ${START_METADATA_KEY} is not JSON.`,
      START_METADATA_KEY,
    );
  }
  return parseStartMap(raw, START_METADATA_KEY);
}

/** What a batch with a `start` map comes to against the store's next positions. */
export interface StartPlan {
  /** The points not held yet (the batch itself when nothing is dropped). */
  batch: PointBatch;
  /** Points dropped because the series already holds them. */
  skipped: number;
}

/**
 * Drops, per series named in `start`, the points the store already holds (the first
 * `next - start` of that series in the batch), or refuses the whole batch with 409 `ingest_gap`
 * when a series would start past its next position. Series not named pass unchanged. Pure.
 */
export function applyStart(batch: PointBatch, start: Map<number, number>, next: (id: number) => number): StartPlan {
  const drop = new Map<number, number>();
  const expected: Record<string, number> = {};
  const gaps: string[] = [];
  for (const [id, n] of start) {
    const at = next(id);
    if (n > at) {
      gaps.push(`series ${id} starts at ${n} but holds ${at} points`);
      expected[id] = at;
    } else if (n < at) drop.set(id, at - n);
  }
  if (gaps.length > 0) {
    throw new ApiError(
      409,
      'ingest_gap',
      `Points are missing before this batch (${gaps.slice(0, 5).join('; ')}${gaps.length > 5 ? '; ...' : ''}). ` +
        'Resend from the positions in "expected"; nothing of this batch was stored.',
      'start',
      { expected },
    );
  }
  if (drop.size === 0) return { batch, skipped: 0 };
  const keep = new Uint8Array(batch.length);
  let kept = 0;
  for (let i = 0; i < batch.length; i++) {
    const id = batch.series[i] as number;
    const left = drop.get(id);
    if (left !== undefined && left > 0) drop.set(id, left - 1);
    else {
      keep[i] = 1;
      kept++;
    }
  }
  if (kept === batch.length) return { batch, skipped: 0 };
  const out: PointBatch = {
    length: kept,
    series: new Uint32Array(kept),
    x: new Float64Array(kept),
    time: new Float64Array(kept),
    value: new Float64Array(kept),
  };
  for (let i = 0, j = 0; i < batch.length; i++) {
    if (!keep[i]) continue;
    out.series[j] = batch.series[i] as number;
    out.x[j] = batch.x[i] as number;
    out.time[j] = batch.time[i] as number;
    out.value[j] = batch.value[i] as number;
    j++;
  }
  return { batch: out, skipped: batch.length - kept };
}
