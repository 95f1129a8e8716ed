import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from './figures.js';
import { JobTree } from './job-tree.js';
import { parseMeminfo } from './parse-meminfo.js';
import { parseNetDev } from './parse-net-dev.js';
import { parseProcStat } from './parse-proc-stat.js';
import type { Parsed } from './parsed.js';
import { ProcFile } from './read-text.js';
import type { Rejections } from './rejections.js';

/** Where and what the sampler reads. */
export interface SamplerConfig {
  procRoot: string;
  /** Directory whose volume is measured for disk figures. */
  path: string;
  /** Root pid of the job, when there is one. */
  pid: number | undefined;
  pageSize: number;
  /** Read every thread's `children` file once in this many samples. */
  fullScanEvery: number;
}

/** Takes snapshots of the host and the job tree; every failed read is counted, never thrown. */
export class SystemSampler {
  readonly #config: SamplerConfig;
  readonly #rejections: Rejections;
  readonly #tree: JobTree | undefined;
  readonly #stat: ProcFile;
  readonly #meminfo: ProcFile;
  readonly #netDev: ProcFile;

  constructor(config: SamplerConfig, rejections: Rejections) {
    this.#config = config;
    this.#rejections = rejections;
    this.#tree =
      config.pid === undefined ? undefined : new JobTree(config.pid, config.procRoot, rejections, config.fullScanEvery);
    this.#stat = new ProcFile(join(config.procRoot, 'stat'));
    this.#meminfo = new ProcFile(join(config.procRoot, 'meminfo'));
    this.#netDev = new ProcFile(join(config.procRoot, 'net', 'dev'));
  }

  /** The job tree being followed, when a pid was given. */
  get tree(): JobTree | undefined {
    return this.#tree;
  }

  /** Reads everything once. */
  snapshot(clock: number): Snapshot {
    const snapshot: Snapshot = { clock };
    const cpu = this.#read('proc_stat', this.#stat, parseProcStat);
    if (cpu) snapshot.cpu = cpu;
    const memory = this.#read('meminfo', this.#meminfo, parseMeminfo);
    if (memory) snapshot.memory = memory;
    const net = this.#read('net_dev', this.#netDev, parseNetDev);
    if (net) snapshot.net = net;
    if (this.#tree && !this.#tree.ended) {
      const tree = this.#tree.sample();
      if (tree?.alive) snapshot.job = { ticks: tree.ticks, rssBytes: tree.rssPages * this.#config.pageSize };
    }
    try {
      const fs = statfsSync(this.#config.path);
      const used = (fs.blocks - fs.bfree) * fs.bsize;
      const usable = used + fs.bavail * fs.bsize;
      if (usable > 0) snapshot.disk = { usedBytes: used, utilization: used / usable };
    } catch (error) {
      this.#rejections.count('statfs_failed', `${this.#config.path}: ${(error as Error).message}`);
    }
    return snapshot;
  }

  /** Closes the files kept open between samples. */
  close(): void {
    this.#stat.close();
    this.#meminfo.close();
    this.#netDev.close();
  }

  #read<T>(what: string, file: ProcFile, parse: (text: string) => Parsed<T>): T | undefined {
    const read = file.read();
    if (!read.ok) {
      this.#rejections.count(`${what}_${read.reason}`, read.detail);
      return undefined;
    }
    const parsed = parse(read.text);
    if (!parsed.ok) {
      this.#rejections.count(`${what}_${parsed.reason}`, parsed.detail);
      return undefined;
    }
    return parsed.value;
  }
}
