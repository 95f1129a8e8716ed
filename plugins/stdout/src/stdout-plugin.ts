import type { Readable } from 'node:stream';
import type { PluginContext, TrainscopePlugin } from '@trainscope/core';
import { ContextSink } from './context-sink.js';
import type { StdoutParserOptions } from './options.js';
import type { OutputStream } from './sink.js';
import { createStdoutParser, type StdoutParser, type StdoutParserStats } from './stdout-parser.js';

/** Options of `stdoutPlugin`: the parser's options plus the streams to read. */
export interface StdoutPluginOptions extends StdoutParserOptions {
  /** The child's stdout, read from `start()` on. More can be added with `attach()`. @default none */
  stdout?: Readable;
  /** The child's stderr. @default none */
  stderr?: Readable;
  /** Keep every output line in the run log (`context.log`). @default true */
  logLines?: boolean;
}

/** The plugin object: a `TrainscopePlugin` plus ways to feed it and to read its counters. */
export interface StdoutPlugin extends TrainscopePlugin {
  /** Reads `stream` as `name` (from `start()` on, or now if started). */
  attach(stream: Readable, name: OutputStream): void;
  /** Feeds output directly (for callers that already hold the bytes). Only between start and stop. */
  write(chunk: Uint8Array | string, name: OutputStream): void;
  /** Marks a directly fed stream as ended: its last line counts even without a line break. */
  end(name: OutputStream): void;
  /** What the parser has seen: bytes, lines, points, rejections by reason. */
  stats(): StdoutParserStats;
  /** Resolves once every attached stream has ended and its output was handed to the context. */
  drained(): Promise<void>;
}

interface Attachment {
  stream: Readable;
  name: OutputStream;
  done: Promise<void>;
  detach(): void;
}

/**
 * Turns a process's stdout/stderr into metric points and log lines: Keras progress output, JSON
 * metric lines, Hugging Face `Trainer` dicts and tqdm postfixes (see `StdoutParserOptions`).
 * Each chunk read becomes at most one batch for `context.ingest`.
 *
 * ```ts
 * const child = spawn('python', ['train.py']);
 * const plugin = stdoutPlugin({ stdout: child.stdout, stderr: child.stderr });
 * await plugin.start(context);
 * ```
 */
export function stdoutPlugin(options: StdoutPluginOptions = {}): StdoutPlugin {
  const pending: { stream: Readable; name: OutputStream }[] = [];
  if (options.stdout) pending.push({ stream: options.stdout, name: 'stdout' });
  if (options.stderr) pending.push({ stream: options.stderr, name: 'stderr' });
  const attachments: Attachment[] = [];
  let parser: StdoutParser | undefined;
  let sink: ContextSink | undefined;
  let stopped = false;
  let lastStats: StdoutParserStats = { bytes: 0, lines: 0, redraws: 0, points: 0, rejected: {} };

  const feed = (chunk: Uint8Array | string, name: OutputStream): void => {
    if (!parser || !sink) return;
    parser.push(chunk, name, Date.now());
    sink.flush();
  };

  const finish = (name: OutputStream): void => {
    if (!parser || !sink) return;
    parser.end(name, Date.now());
    sink.flush();
  };

  const wire = (stream: Readable, name: OutputStream): void => {
    const onData = (chunk: Buffer | string) => feed(chunk, name);
    let detach = (): void => {};
    const done = new Promise<void>((resolve) => {
      const onEnd = () => {
        detach();
        finish(name);
        resolve();
      };
      const onError = (error: Error) => {
        sink?.context.logger.warn(`stdout: ${name} stream failed`, { error: String(error) });
        onEnd();
      };
      detach = () => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('close', onEnd);
        stream.off('error', onError);
        resolve();
      };
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('close', onEnd);
      stream.once('error', onError);
    });
    attachments.push({ stream, name, done, detach: () => detach() });
  };

  const stop = (): void => {
    if (stopped || !parser || !sink) return;
    stopped = true;
    for (const attachment of attachments) attachment.detach();
    parser.end('stdout', Date.now());
    parser.end('stderr', Date.now());
    sink.flush();
    lastStats = parser.stats();
  };

  return {
    name: 'stdout',
    start(context: PluginContext) {
      if (parser) return;
      sink = new ContextSink(context, options.logLines ?? true);
      parser = createStdoutParser(sink, options);
      for (const { stream, name } of pending.splice(0)) wire(stream, name);
      context.signal.addEventListener('abort', stop, { once: true });
    },
    stop,
    attach(stream, name) {
      if (parser && !stopped) wire(stream, name);
      else if (!parser) pending.push({ stream, name });
    },
    write(chunk, name) {
      if (!parser) throw new Error('stdoutPlugin.write() was called before start(); start the plugin first.');
      if (!stopped) feed(chunk, name);
    },
    end(name) {
      if (!stopped) finish(name);
    },
    stats() {
      return parser && !stopped ? parser.stats() : lastStats;
    },
    async drained() {
      await Promise.all(attachments.map((a) => a.done));
    },
  };
}
