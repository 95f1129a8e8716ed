import { type Rejection, RejectReason } from './reasons.js';
import { type StatsdSample, StatsdType } from './sample.js';

/** What one packet held: the samples read and the lines (or whole packet) refused. */
export interface ParsedPacket {
  samples: StatsdSample[];
  rejections: Rejection[];
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
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const TIMESTAMP = /^T\d+$/;
const REPORT_TEXT_LIMIT = 120;

/**
 * Parses one statsd packet (a UDP datagram, or one line of a stream): newline-separated lines of
 * `name:value[:value...]|type[|@rate][|#tags]`. Never throws; what it cannot read it returns as
 * rejections with a reason. Pure: the same bytes give the same result.
 */
export function parseStatsdPacket(packet: Uint8Array | string, options: ParseOptions = {}): ParsedPacket {
  const out: ParsedPacket = { samples: [], rejections: [] };
  parseStatsdPacketInto(packet, out, options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE);
  return out;
}

/** `parseStatsdPacket` appending to arrays the caller reuses (the listener's hot path). */
export function parseStatsdPacketInto(packet: Uint8Array | string, out: ParsedPacket, maxPacketSize: number): void {
  const size = typeof packet === 'string' ? Buffer.byteLength(packet) : packet.byteLength;
  if (size > maxPacketSize) {
    out.rejections.push({ reason: RejectReason.oversized, text: `${size} bytes` });
    return;
  }
  const text = typeof packet === 'string' ? packet : decode(packet);
  if (BINARY.test(text)) {
    out.rejections.push({ reason: RejectReason.binary, text: reportText(text) });
    return;
  }
  if (text.indexOf('\n') < 0) {
    const line = text.trim();
    if (line.length === 0) out.rejections.push({ reason: RejectReason.emptyPacket, text: '' });
    else parseStatsdLine(line, out);
    return;
  }
  let seen = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.length === 0) continue;
    seen++;
    parseStatsdLine(line, out);
  }
  if (seen === 0) out.rejections.push({ reason: RejectReason.emptyPacket, text: '' });
}

/** Parses one trimmed, non-empty line into `out`. */
export function parseStatsdLine(line: string, out: ParsedPacket): void {
  if (line.startsWith('_e{') || line.startsWith('_sc|')) {
    reject(out, RejectReason.unsupported, line);
    return;
  }
  const colon = line.indexOf(':');
  const pipe = line.indexOf('|');
  if (colon <= 0 || pipe < colon) {
    reject(out, RejectReason.malformed, line);
    return;
  }
  const typeEnd = line.indexOf('|', pipe + 1);
  const type = typeEnd < 0 ? line.slice(pipe + 1) : line.slice(pipe + 1, typeEnd);
  if (!isType(type)) {
    reject(out, type.length === 0 ? RejectReason.malformed : RejectReason.unknownType, line);
    return;
  }
  let rate = 1;
  let tags = '';
  if (typeEnd >= 0) {
    for (const field of line.slice(typeEnd + 1).split('|')) {
      const first = field.charCodeAt(0);
      if (first === 64 /* @ */) {
        const text = field.slice(1);
        rate = NUMBER.test(text) ? Number(text) : Number.NaN;
        if (!(rate > 0 && rate <= 1)) {
          reject(out, RejectReason.badSampleRate, line);
          return;
        }
      } else if (first === 35 /* # */) {
        tags = field.slice(1);
      } else if (!(field.startsWith('c:') || TIMESTAMP.test(field))) {
        // DogStatsD container ids and timestamps are ignored; anything else is not the protocol.
        reject(out, RejectReason.malformed, line);
        return;
      }
    }
  }
  const name = line.slice(0, colon);
  const valueText = line.slice(colon + 1, pipe);
  if (type === StatsdType.set) {
    if (valueText.length === 0) {
      reject(out, RejectReason.badValue, line);
      return;
    }
    out.samples.push({ name, type, value: Number.NaN, rate, delta: false, member: valueText, tags });
    return;
  }
  // DogStatsD packs several values into one line: `name:1:2:3|h`.
  const texts = valueText.indexOf(':') < 0 ? [valueText] : valueText.split(':');
  const values: number[] = [];
  for (const text of texts) {
    let value: number;
    if (NUMBER.test(text)) value = Number(text);
    else if (NON_FINITE.test(text)) value = parseNonFinite(text);
    else {
      reject(out, RejectReason.badValue, line);
      return;
    }
    if (!Number.isFinite(value) && type !== StatsdType.gauge) {
      reject(out, RejectReason.nonFinite, line);
      return;
    }
    values.push(value);
  }
  for (let i = 0; i < values.length; i++) {
    const text = texts[i] as string;
    const delta = type === StatsdType.gauge && (text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45);
    out.samples.push({ name, type, value: values[i] as number, rate, delta, member: undefined, tags });
  }
}

function isType(type: string): type is StatsdType {
  return type === 'c' || type === 'g' || type === 'ms' || type === 'h' || type === 'd' || type === 's';
}

function parseNonFinite(text: string): number {
  const lower = text.toLowerCase();
  if (lower.endsWith('nan')) return Number.NaN;
  return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

function decode(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('utf8');
}

function reject(out: ParsedPacket, reason: Rejection['reason'], line: string): void {
  out.rejections.push({ reason, text: reportText(line) });
}

function reportText(text: string): string {
  const cut = text.length > REPORT_TEXT_LIMIT ? `${text.slice(0, REPORT_TEXT_LIMIT)}…` : text;
  // JSON quoting shows control bytes as escapes, so a binary packet reads safely in the log.
  return JSON.stringify(cut).slice(1, -1);
}
