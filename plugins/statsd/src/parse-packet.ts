import { isDecimal, isDelta, readValue } from './parse-number.js';
import { type Rejection, RejectReason } from './reasons.js';
import { type StatsdSample, StatsdType } from './sample.js';

/** What one packet held: the samples read and the lines (or whole packet) refused. */
export interface ParsedPacket {
  samples: StatsdSample[];
  rejections: Rejection[];
}

/** Receives what a packet holds as it is read (the listener's hot path: no arrays in between). */
export interface SampleSink {
  sample(
    name: string,
    type: StatsdType,
    value: number,
    rate: number,
    delta: boolean,
    member: string | undefined,
    tags: string,
  ): void;
  reject(reason: RejectReason, text: string): void;
}

/** Options of `parseStatsdPacket`. */
export interface ParseOptions {
  /** Packets longer than this many bytes are refused as `oversized`. @default 65536 */
  maxPacketSize?: number;
}

/** Largest packet accepted when no limit is given: a little over the largest UDP payload. */
export const DEFAULT_MAX_PACKET_SIZE = 65_536;

// Control characters other than tab/newline/carriage return, DEL, and the replacement character
// that invalid UTF-8 decodes to: none of them belongs in a text protocol.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const BINARY = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;
const TIMESTAMP = /^T\d+$/;
const REPORT_TEXT_LIMIT = 120;

/**
 * Parses one statsd packet (a UDP datagram, or one line of a stream): newline-separated lines of
 * `name:value[:value...]|type[|@rate][|#tags]`. Never throws; what it cannot read it returns as
 * rejections with a reason. Pure: the same bytes give the same result.
 */
export function parseStatsdPacket(packet: Uint8Array | string, options: ParseOptions = {}): ParsedPacket {
  const out: ParsedPacket = { samples: [], rejections: [] };
  scanStatsdPacket(
    packet,
    {
      sample: (name, type, value, rate, delta, member, tags) =>
        out.samples.push({ name, type, value, rate, delta, member, tags }),
      reject: (reason, text) => out.rejections.push({ reason, text }),
    },
    options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE,
  );
  return out;
}

/** `parseStatsdPacket` handing samples and refusals to `sink` as they are read. */
export function scanStatsdPacket(packet: Uint8Array | string, sink: SampleSink, maxPacketSize: number): void {
  const size = typeof packet === 'string' ? Buffer.byteLength(packet) : packet.byteLength;
  if (size > maxPacketSize) {
    sink.reject(RejectReason.oversized, `${size} bytes`);
    return;
  }
  const text = typeof packet === 'string' ? packet : decode(packet);
  if (BINARY.test(text)) {
    sink.reject(RejectReason.binary, reportText(text));
    return;
  }
  let seen = 0;
  for (let next = 0; next <= text.length; ) {
    let end = text.indexOf('\n', next);
    if (end < 0) end = text.length;
    let start = next;
    next = end + 1;
    // Lines are read in place (offsets into the packet), blanks at either end skipped.
    while (start < end && text.charCodeAt(start) <= 32) start++;
    while (end > start && text.charCodeAt(end - 1) <= 32) end--;
    if (start === end) continue;
    seen++;
    scanLine(text, start, end, sink);
  }
  if (seen === 0) sink.reject(RejectReason.emptyPacket, '');
}

/**
 * Reads complete lines from a stream (TCP, Unix socket). Unlike a datagram, each line stands
 * alone: a line with control bytes is refused by itself, and blank lines are framing, not errors.
 */
export function scanStatsdLines(text: string, sink: SampleSink): void {
  const binary = BINARY.test(text);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.length === 0) continue;
    if (binary && BINARY.test(line)) sink.reject(RejectReason.binary, reportText(line));
    else scanStatsdLine(line, sink);
  }
}

/** Reads one trimmed, non-empty line into `sink`. */
export function scanStatsdLine(line: string, sink: SampleSink): void {
  scanLine(line, 0, line.length, sink);
}

/** Reads the line `text[start, end)`, trimmed and non-empty, into `sink`. */
function scanLine(text: string, start: number, end: number, sink: SampleSink): void {
  const first = text.charCodeAt(start);
  if (first === 95 /* _ */ && (text.startsWith('_e{', start) || text.startsWith('_sc|', start))) {
    refuse(sink, RejectReason.unsupported, text, start, end);
    return;
  }
  const colon = text.indexOf(':', start);
  let pipe = text.indexOf('|', start);
  if (pipe < 0 || pipe > end) pipe = end;
  if (colon <= start || colon > pipe || pipe === end) {
    refuse(sink, RejectReason.malformed, text, start, end);
    return;
  }
  let typeEnd = text.indexOf('|', pipe + 1);
  if (typeEnd < 0 || typeEnd > end) typeEnd = end;
  const type = typeAt(text, pipe + 1, typeEnd);
  if (type === undefined) {
    refuse(sink, typeEnd === pipe + 1 ? RejectReason.malformed : RejectReason.unknownType, text, start, end);
    return;
  }
  let rate = 1;
  let tags = '';
  if (typeEnd < end) {
    for (const field of text.slice(typeEnd + 1, end).split('|')) {
      const mark = field.charCodeAt(0);
      if (mark === 64 /* @ */) {
        const rateText = field.slice(1);
        rate = isDecimal(rateText) ? Number(rateText) : Number.NaN;
        if (!(rate > 0 && rate <= 1)) {
          refuse(sink, RejectReason.badSampleRate, text, start, end);
          return;
        }
      } else if (mark === 35 /* # */) {
        tags = field.slice(1);
      } else if (!(field.startsWith('c:') || TIMESTAMP.test(field))) {
        // DogStatsD container ids and timestamps are ignored; anything else is not the protocol.
        refuse(sink, RejectReason.malformed, text, start, end);
        return;
      }
    }
  }
  const name = text.slice(start, colon);
  const valueText = text.slice(colon + 1, pipe);
  if (type === StatsdType.set) {
    if (valueText.length === 0) {
      refuse(sink, RejectReason.badValue, text, start, end);
      return;
    }
    sink.sample(name, type, Number.NaN, rate, false, valueText, tags);
    return;
  }
  if (valueText.indexOf(':') < 0) {
    const value = readValue(valueText, type);
    if (typeof value === 'string') refuse(sink, value, text, start, end);
    else sink.sample(name, type, value, rate, isDelta(valueText, type), undefined, tags);
    return;
  }
  // DogStatsD packs several values into one line: `name:1:2:3|h`. All are read before any is kept.
  const texts = valueText.split(':');
  const values: number[] = [];
  for (const text of texts) {
    const value = readValue(text, type);
    if (typeof value === 'string') {
      refuse(sink, value, text, start, end);
      return;
    }
    values.push(value);
  }
  for (let i = 0; i < values.length; i++) {
    const delta = isDelta(texts[i] as string, type);
    sink.sample(name, type, values[i] as number, rate, delta, undefined, tags);
  }
}

/** The statsd type written at `text[at, end)`, read from char codes (no string made). */
function typeAt(text: string, at: number, end: number): StatsdType | undefined {
  const c = text.charCodeAt(at);
  if (end - at === 1) {
    if (c === 99) return StatsdType.counter;
    if (c === 103) return StatsdType.gauge;
    if (c === 104) return StatsdType.histogram;
    if (c === 100) return StatsdType.distribution;
    if (c === 115) return StatsdType.set;
    return undefined;
  }
  return end - at === 2 && c === 109 && text.charCodeAt(at + 1) === 115 ? StatsdType.timer : undefined;
}

function decode(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('utf8');
}

function refuse(sink: SampleSink, reason: RejectReason, text: string, start: number, end: number): void {
  sink.reject(reason, reportText(text.slice(start, end)));
}

function reportText(text: string): string {
  const cut = text.length > REPORT_TEXT_LIMIT ? `${text.slice(0, REPORT_TEXT_LIMIT)}…` : text;
  // JSON quoting shows control bytes as escapes, so a binary packet reads safely in the log.
  return JSON.stringify(cut).slice(1, -1);
}
