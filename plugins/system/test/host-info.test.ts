import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readHostInfo, readHostLimits } from '../src/host-info.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Lays out a fake /proc and /sys/fs/cgroup in a temp dir from a map of relative paths. */
function tree(files: Record<string, string>): { procRoot: string; cgroupRoot: string } {
  const root = mkdtempSync(join(tmpdir(), 'trainscope-system-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { procRoot: join(root, 'proc'), cgroupRoot: join(root, 'cgroup') };
}

const stat8 = `cpu  1 0 1 1\n${Array.from({ length: 8 }, (_, i) => `cpu${i} 1 0 1 1`).join('\n')}\n`;
const meminfo = 'MemTotal: 16777216 kB\nMemAvailable: 8388608 kB\n';

describe('readHostLimits', () => {
  it('honours cgroup v2 cpu.max and memory.max, taking the tightest limit up the tree', () => {
    const roots = tree({
      'proc/stat': stat8,
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '0::/jobs/job-1\n',
      'cgroup/jobs/cpu.max': '200000 100000\n',
      'cgroup/jobs/memory.max': '8589934592\n',
      'cgroup/jobs/job-1/cpu.max': '150000 100000\n',
      'cgroup/jobs/job-1/memory.max': 'max\n',
    });
    expect(readHostLimits(roots)).toEqual({
      cpuCount: 1.5,
      memoryLimitBytes: 8589934592,
      hostCpus: 8,
      hostMemoryBytes: 16777216 * 1024,
    });
  });

  it('falls back to cgroup v1 cfs quota and memory.limit_in_bytes', () => {
    const roots = tree({
      'proc/stat': stat8,
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n',
      'cgroup/cpu/docker/abc/cpu.cfs_quota_us': '400000\n',
      'cgroup/cpu/docker/abc/cpu.cfs_period_us': '100000\n',
      'cgroup/memory/docker/abc/memory.limit_in_bytes': '1073741824\n',
    });
    expect(readHostLimits(roots)).toMatchObject({ cpuCount: 4, memoryLimitBytes: 1073741824 });
  });

  it('uses the host figures when there is no limit, and survives malformed cgroup files', () => {
    const roots = tree({
      'proc/stat': stat8,
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '0::/\n',
      'cgroup/cpu.max': 'garbage',
      'cgroup/memory.max': '\u0000\u0001binary',
    });
    expect(readHostLimits(roots)).toMatchObject({ cpuCount: 8, memoryLimitBytes: 16777216 * 1024 });
  });
});

describe('readHostInfo', () => {
  it('gives the hostname, CPUs and memory limit of this machine', () => {
    const info = readHostInfo();
    expect(info.hostname).toBe(hostname());
    expect(info.cpuCount).toBeGreaterThan(0);
    expect(info.cpuCount).toBeLessThanOrEqual(availableParallelism());
    expect(info.memoryLimitBytes).toBeGreaterThan(0);
  });
});
