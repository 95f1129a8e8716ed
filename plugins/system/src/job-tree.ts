import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseChildren, parsePidStat } from './parse-pid-stat.js';
import { readText } from './read-text.js';
import type { Rejections } from './rejections.js';

/** What one look at the job's process tree found. */
export interface TreeSample {
  /** False once the root process has exited (or is a zombie). */
  alive: boolean;
  /** CPU ticks the tree used since the previous sample (processes first seen count from then on). */
  ticks: number;
  /** Resident pages of every process in the tree. */
  rssPages: number;
  /** Processes in the tree. */
  processes: number;
}

interface Member {
  startTicks: number;
  ticks: number;
}

/**
 * Follows a job's process tree through procfs, without spawning anything: every sample reads
 * `stat` and the main thread's `children` of each member; every `fullScanEvery` samples it also
 * reads the `children` of every thread (children forked from other threads show up then).
 */
export class JobTree {
  readonly root: number;
  readonly #procRoot: string;
  readonly #rejections: Rejections;
  readonly #fullScanEvery: number;
  readonly #members = new Map<number, Member>();
  #samples = 0;
  #ended = false;

  constructor(root: number, procRoot: string, rejections: Rejections, fullScanEvery: number) {
    this.root = root;
    this.#procRoot = procRoot;
    this.#rejections = rejections;
    this.#fullScanEvery = Math.max(1, fullScanEvery);
  }

  /** True once the root has been seen gone; the tree is not read again. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Reads the tree once. Undefined when the root's `stat` could be read but not parsed: no job
   * figures this time, the tree is read again next sample.
   */
  sample(): TreeSample | undefined {
    if (this.#ended) return { alive: false, ticks: 0, rssPages: 0, processes: 0 };
    const fullScan = this.#samples++ % this.#fullScanEvery === 0;
    let ticks = 0;
    let rssPages = 0;
    let processes = 0;
    const seen = new Set<number>();
    const queue = [this.root];
    while (queue.length > 0) {
      const pid = queue.pop() as number;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const read = readText(join(this.#procRoot, String(pid), 'stat'), 4096);
      if (!read.ok) {
        if (read.reason === 'missing') {
          if (pid === this.root) return this.#end();
          continue;
        }
        this.#rejections.count(`pid_stat_${read.reason}`, read.detail);
        if (pid === this.root) return undefined;
        continue;
      }
      const parsed = parsePidStat(read.text);
      if (!parsed.ok) {
        this.#rejections.count(`pid_stat_${parsed.reason}`, parsed.detail);
        if (pid === this.root) return undefined;
        continue;
      }
      const stat = parsed.value;
      if (pid === this.root && (stat.state === 'Z' || stat.state === 'X')) return this.#end();
      const before = this.#members.get(pid);
      if (before !== undefined && before.startTicks === stat.startTicks && stat.ticks >= before.ticks) {
        ticks += stat.ticks - before.ticks;
      }
      this.#members.set(pid, { startTicks: stat.startTicks, ticks: stat.ticks });
      rssPages += stat.rssPages;
      processes++;
      for (const child of this.#children(pid, fullScan)) queue.push(child);
    }
    for (const pid of this.#members.keys()) if (!seen.has(pid)) this.#members.delete(pid);
    return { alive: true, ticks, rssPages, processes };
  }

  #end(): TreeSample {
    this.#ended = true;
    this.#members.clear();
    return { alive: false, ticks: 0, rssPages: 0, processes: 0 };
  }

  #children(pid: number, allThreads: boolean): number[] {
    const taskDir = join(this.#procRoot, String(pid), 'task');
    let tids: string[] = [String(pid)];
    if (allThreads) {
      try {
        tids = readdirSync(taskDir);
      } catch {
        return [];
      }
    }
    const children: number[] = [];
    for (const tid of tids) {
      const read = readText(join(taskDir, tid, 'children'), 256 * 1024);
      if (!read.ok) {
        if (read.reason !== 'missing') this.#rejections.count(`children_${read.reason}`, read.detail);
        continue;
      }
      const parsed = parseChildren(read.text);
      if (parsed.ok) children.push(...parsed.value);
      else this.#rejections.count(`children_${parsed.reason}`, parsed.detail);
    }
    return children;
  }
}
