import { isUtf8 } from 'node:buffer';
import { FlatFields } from './flat-object.js';
import { ForwardSearch } from './forward-search.js';
import { LineSplitter } from './line-splitter.js';
import { NameCheck } from './name-check.js';
import { resolveParserOptions, type StdoutParserOptions } from './options.js';
import { ParseContext } from './parse-context.js';
import { JsonBytesParser } from './parse-json-bytes.js';
import { JsonMetricParser } from './parse-json-metric.js';
import { parseKerasBytes, parseKerasLine } from './parse-keras.js';
import { parseTqdmLine } from './parse-tqdm.js';
import { RejectionTally } from './rejection-tally.js';
import { type LineMetadata, type OutputStream, type ParserSink, RejectReason } from './sink.js';
import { StreamState } from './stream-state.js';
import { stripTerminalControls } from './terminal-text.js';

/** What the parser has seen so far. */
export interface StdoutParserStats {
  /** Bytes pushed. */
  bytes: number;
  /** Lines handed to the sink (a line with `\r` redraws counts once). */
  lines: number;
  /** `\r` redraws seen. */
  redraws: number;
  /** Points handed to the sink. */
  points: number;
  /** Rejections by reason (`non_numeric_value`, `line_too_long`, ...). */
  rejected: Record<string, number>;
}

/** A streaming parser over a process's output. Pure: it reads no clock and does no I/O. */
export interface StdoutParser {
  /** Parses a chunk of `stream`; `now` (epoch ms) stamps what it completes. */
  push(chunk: Uint8Array | string, stream: OutputStream, now: number): void;
  /** The stream ended: its last line counts even without a line break. */
  end(stream: OutputStream, now: number): void;
  stats(): StdoutParserStats;
}

/**
 * Creates the parser: chunks in, points, log lines and first rejections out through `sink`,
 * synchronously. Each stream is split and followed on its own, so interleaved stdout and stderr
 * never mix a line. A line with `\r` redraws is logged once, as its last redraw (what a terminal
 * shows), with `metadata.redraws`; every redraw is still read for metrics.
 */
export function createStdoutParser(sink: ParserSink, options: StdoutParserOptions = {}): StdoutParser {
  const resolved = resolveParserOptions(options);
  const { formats, maxLineBytes } = resolved;
  const tally = new RejectionTally(sink);
  const context = new ParseContext(sink, tally, new NameCheck(), new FlatFields());
  const json = new JsonMetricParser(context);
  const jsonBytes = new JsonBytesParser(context);
  const states = new Map<OutputStream, StreamState>();
  /** Finds the `|` of tqdm bars among redraws (Keras bars have none): one native search per `|`. */
  const pipes = new ForwardSearch(0x7c);
  let bytes = 0;
  let lines = 0;
  let redraws = 0;

  /** Reads `text.slice(start, end)` for metrics; `line` is that slice when already made. */
  const parseMetrics = (
    state: StreamState,
    text: string,
    start: number,
    end: number,
    endOfLine: boolean,
    now: number,
  ): void => {
    let i = start;
    while (i < end && text.charCodeAt(i) === 32) i++;
    if (text.charCodeAt(i) === 123 /* { */) {
      if (formats.json) {
        // The common shape from the line's bytes when it has them; the text path reads the rest.
        const base = state.splitter.asciiBase;
        if (base >= 0 && jsonBytes.parse(state.splitter.asciiBytes, base + i, base + end, now)) return;
        if (json.parseAt(text, i, end, now)) return;
      }
      if (formats.python) state.dict.parse(text.slice(i, end), now);
      return;
    }
    if (!formats.keras && !formats.tqdm) return;
    const clean = stripTerminalControls(text.slice(start, end));
    if (formats.keras) {
      const keras = parseKerasLine(clean);
      if (keras !== undefined) {
        state.keras.onLine(keras, endOfLine, now);
        return;
      }
    }
    if (formats.tqdm) {
      const bar = parseTqdmLine(clean);
      if (bar !== undefined) state.tqdm.onBar(bar, endOfLine, now);
    }
  };

  const onSegment = (
    state: StreamState,
    stream: OutputStream,
    text: string,
    start: number,
    end: number,
    endOfLine: boolean,
    truncatedFrom: number,
    invalidUtf8: boolean,
  ): void => {
    const now = state.now;
    if (invalidUtf8) {
      tally.add(
        RejectReason.invalidUtf8,
        stream,
        () => `${stream} has bytes that are not UTF-8; they are logged as U+FFFD.`,
      );
    }
    if (truncatedFrom > 0) {
      tally.add(
        RejectReason.lineTooLong,
        stream,
        () =>
          `A ${stream} line of ${truncatedFrom} bytes is longer than maxLineBytes (${maxLineBytes}); ` +
          'its start is logged and it is not read for metrics.',
      );
    }
    if (!endOfLine) {
      parseMetrics(state, text, start, end, false, now);
      return;
    }
    let metadata: LineMetadata | undefined;
    if (state.redraws > 0) {
      metadata = { redraws: state.redraws };
      state.redraws = 0;
    }
    if (truncatedFrom > 0) {
      metadata ??= {};
      metadata.truncated = true;
      metadata.bytes = truncatedFrom;
    } else if (end > start) {
      parseMetrics(state, text, start, end, true, now);
    }
    if (invalidUtf8) {
      metadata ??= {};
      metadata.invalidUtf8 = true;
    }
    lines++;
    sink.line(start === 0 && end === text.length ? text : text.slice(start, end), stream, now, metadata);
  };

  /**
   * Counts a redraw and says whether to read it: when the throttle would take a point, or when it
   * may be a tqdm bar (those are always read so the tracker sees a bar start again). Keras 3
   * redraws start with an escape and most are skipped undecoded.
   */
  const wantRedraw = (state: StreamState, bytes: Buffer, start: number, end: number): boolean => {
    redraws++;
    state.redraws++;
    if (end === start) return false;
    if (state.throttle.due(state.now)) return !(formats.keras && kerasRedraw(state, bytes, start, end));
    if (bytes[start] === 0x1b || !formats.tqdm) return false;
    return pipes.has(bytes, start, end);
  };

  /**
   * Reads a redraw that is a Keras progress bar straight from its bytes (no UTF-8 decoding, see
   * `parseKerasBytes`) and says whether it was one. Anything else (a `{` line, bytes that are not
   * UTF-8, a tqdm bar) is left to the decoded path, which reads it exactly as before.
   */
  const kerasRedraw = (state: StreamState, bytes: Buffer, start: number, end: number): boolean => {
    let i = start;
    while (i < end && bytes[i] === 32) i++;
    if (i < end && bytes[i] === 123 /* { */) return false;
    // A `|` is a tqdm bar's: the decoded path reads those (and Keras too, so this only saves time).
    if (formats.tqdm && pipes.has(bytes, start, end)) return false;
    if (!isUtf8(bytes.subarray(start, end))) return false;
    const keras = parseKerasBytes(bytes, start, end);
    if (keras === undefined) return false;
    state.keras.onLine(keras, false, state.now);
    return true;
  };

  const stateOf = (stream: OutputStream): StreamState => {
    let state = states.get(stream);
    if (state === undefined) {
      state = new StreamState(
        resolved,
        context,
        (s) =>
          new LineSplitter(maxLineBytes, {
            segment: (text, start, end, endOfLine, truncatedFrom, invalid) =>
              onSegment(s, stream, text, start, end, endOfLine, truncatedFrom, invalid),
            wantRedraw: (bytes, start, end) => wantRedraw(s, bytes, start, end),
          }),
      );
      states.set(stream, state);
    }
    return state;
  };

  return {
    push(chunk, stream, now) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      bytes += buf.length;
      const state = stateOf(stream);
      state.now = now;
      pipes.reset();
      state.splitter.push(buf);
    },
    end(stream, now) {
      const state = states.get(stream);
      if (state === undefined) return;
      state.now = now;
      state.splitter.end();
      states.delete(stream);
    },
    stats() {
      return { bytes, lines, redraws, points: context.points, rejected: { ...tally.counts } };
    },
  };
}
