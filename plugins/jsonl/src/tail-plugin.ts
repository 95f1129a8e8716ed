import { createReadStream, type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { PluginContext, TrainscopePlugin } from '@trainscope/core';
import { FileFollower } from './file-follower.js';
import { LineSplitter, type SplitLine } from './line-splitter.js';
import { PointMapper } from './point-mapper.js';
import { RejectionTally } from './rejection-tally.js';
import { readTailState, writeTailState } from './tail-state.js';

/** Options of `jsonlTailPlugin`. */
export interface JsonlTailOptions {
  /** The JSON-lines file to follow; it may not exist yet. */
  path: string;
  /** Where the byte offset is kept between restarts. @default `${path}.trainscope-offset` */
  stateFile?: string;
  /** Joined in front of every series name. @default '' */
  prefix?: string;
  /** Read `{"index": n, "data": {...}, "createdAt": ...}` lines as ml-dash records (fields of `data`, `value` named by the prefix). @default true */
  mldashRecords?: boolean;
  /** How often the file is checked besides file-system events (the fallback where events do not come). @default 250 */
  pollIntervalMs?: number;
  /** On a first start (no state file), skip what the file already holds. @default false */
  fromEnd?: boolean;
  /** Longest line accepted; longer lines are skipped and counted as `oversized`. @default 1048576 */
  maxLineBytes?: number;
}

/** What a tail has done so far. */
export interface JsonlTailStats {
  lines: number;
  records: number;
  points: number;
  offset: number;
  rejected: Record<string, number>;
}

/** A tail plugin, with its counters. */
export interface JsonlTailPlugin extends TrainscopePlugin {
  /** The file followed. */
  readonly path: string;
  /** Counters so far. */
  stats(): JsonlTailStats;
  /** Reads whatever is new now (also done on file events and every `pollIntervalMs`). */
  poll(): Promise<void>;
}

/**
 * Follows a JSON-lines file another program appends to (one object per line; numeric fields become
 * series, `step` / `epoch` give x, `timestamp` the wall time), through truncation and rotation, and
 * keeps its byte offset in a state file so a restart resumes where it stopped without repeating a point.
 */
export function jsonlTailPlugin(options: JsonlTailOptions): JsonlTailPlugin {
  const stateFile = options.stateFile ?? `${options.path}.trainscope-offset`;
  const label = options.path;
  const follower = new FileFollower(options.path);
  const splitter = new LineSplitter(options.maxLineBytes);
  let context: PluginContext | null = null;
  let mapper: PointMapper | null = null;
  let tally: RejectionTally | null = null;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  let line = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let stopping: Promise<void> | null = null;
  let opened = false;
  let savedState = '';

  const take = (lines: SplitLine[]) => {
    for (const text of lines) mapper?.line(text, label, ++line, Date.now());
  };

  const openFile = async () => {
    const saved = readTailState(stateFile);
    const offset = await follower.open(saved, options.fromEnd ?? false);
    if (offset === null) return;
    opened = true;
    line = saved !== undefined && saved.offset === offset && offset > 0 ? saved.line : 0;
    splitter.reset(offset);
    if (offset > 0 && line === 0) line = await countLines(options.path, offset);
  };

  const pump = async () => {
    if (!opened) await openFile();
    if (!opened) return;
    for (const event of await follower.poll()) {
      if (event.kind === 'data') take(splitter.push(event.chunk));
      else if (event.kind === 'rotated') {
        take(splitter.end());
        context?.log({ text: `jsonl: ${label} was rotated; reading the new file from its start`, stream: 'system' });
        splitter.reset(0);
        line = 0;
      } else {
        context?.log({
          text: `jsonl: ${label} was truncated; reading again from its start`,
          stream: 'system',
          level: 'warn',
        });
        splitter.reset(0);
        line = 0;
      }
    }
    mapper?.flush();
    const position = follower.position;
    if (position !== null) {
      const state = { dev: position.dev, ino: position.ino, offset: splitter.consumed, line, head: follower.head };
      const text = JSON.stringify(state);
      if (text !== savedState) {
        writeTailState(stateFile, state);
        savedState = text;
      }
    }
  };

  const read = (): Promise<void> => {
    if (running !== null) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await pump();
        } while (again);
      } catch (error) {
        context?.logger.error('jsonl tail: reading failed', { path: options.path, error: String(error) });
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const plugin: JsonlTailPlugin = {
    name: 'jsonl-tail',
    async start(ctx) {
      context = ctx;
      tally = new RejectionTally((l) => ctx.log(l));
      mapper = new PointMapper(ctx, tally, { prefix: options.prefix, mldashRecords: options.mldashRecords });
      await read();
      try {
        watcher = watch(dirname(options.path), (_event, name) => {
          if (name === null || name === basename(options.path)) void read();
        });
        watcher.on('error', () => watcher?.close());
      } catch {
        // No file-system events here: the timer below still notices changes.
      }
      timer = setInterval(() => void read(), options.pollIntervalMs ?? 250);
      timer.unref();
      ctx.signal.addEventListener('abort', () => void plugin.stop(), { once: true });
    },
    stop() {
      if (context === null) return;
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearInterval(timer);
        watcher?.close();
        await running;
        await read();
        await follower.close();
        tally?.summarize(label);
      })();
      return stopping;
    },
    path: options.path,
    poll: () => (stopped || context === null ? Promise.resolve() : read()),
    stats() {
      return {
        lines: line,
        records: mapper?.records ?? 0,
        points: mapper?.points ?? 0,
        offset: splitter.consumed,
        rejected: tally?.counts() ?? {},
      };
    },
  };
  return plugin;
}

/** Counts the lines before `offset` (when resuming without a saved count, or starting at the end). */
async function countLines(path: string, offset: number): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: offset - 1 })) {
    const buf = chunk as Buffer;
    let i = buf.indexOf(10);
    while (i >= 0) {
      count++;
      i = buf.indexOf(10, i + 1);
    }
  }
  return count;
}
