import type { LiveClientMessage } from '@trainscope/client';

/** A client message that could not be used, and why. */
export interface LiveMessageError {
  code: 'malformed_json' | 'invalid_message';
  message: string;
}

const MAX_ENTRIES = 10_000;

/**
 * Parses a text frame from a live client. Pure: returns the message or the reason it was refused
 * (malformed JSON, wrong shape, bad ids or cursors, too many entries).
 */
export function parseLiveMessage(text: string): LiveClientMessage | LiveMessageError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { code: 'malformed_json', message: 'The message is not JSON.' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { code: 'invalid_message', message: 'A message must be a JSON object with a "type".' };
  }
  const m = parsed as Record<string, unknown>;
  if (m['type'] !== 'subscribe') {
    return { code: 'invalid_message', message: `Unknown message type ${JSON.stringify(m['type'])}; use "subscribe".` };
  }
  const out: LiveClientMessage = { type: 'subscribe' };
  const encoding = m['encoding'];
  if (encoding !== undefined) {
    if (encoding !== 'json' && encoding !== 'binary' && encoding !== 'packed') {
      return { code: 'invalid_message', message: '"encoding" must be "json", "binary" or "packed".' };
    }
    out.encoding = encoding;
  }
  if (m['series'] !== undefined) {
    const series = m['series'];
    if (typeof series !== 'object' || series === null || Array.isArray(series)) {
      return { code: 'invalid_message', message: '"series" must map series ids to cursors.' };
    }
    const entries = Object.entries(series as Record<string, unknown>);
    if (entries.length > MAX_ENTRIES) {
      return { code: 'invalid_message', message: `At most ${MAX_ENTRIES} series per message.` };
    }
    out.series = {};
    for (const [id, cursor] of entries) {
      if (!/^[0-9]{1,10}$/.test(id) || Number(id) > 0xffff_ffff) {
        return { code: 'invalid_message', message: `"${id.slice(0, 32)}" is not a series id.` };
      }
      if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0) {
        return { code: 'invalid_message', message: `The cursor of series ${id} must be a non-negative integer.` };
      }
      out.series[id] = cursor;
    }
  }
  if (m['runs'] !== undefined) {
    const runs = m['runs'];
    if (
      !Array.isArray(runs) ||
      runs.length > MAX_ENTRIES ||
      !runs.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 128)
    ) {
      return { code: 'invalid_message', message: '"runs" must be a list of run ids.' };
    }
    out.runs = runs as string[];
  }
  return out;
}
