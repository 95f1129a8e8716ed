import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_FIGURES } from '../src/figures.js';
import { systemPlugin } from '../src/system-plugin.js';
import { startJob, stopJob } from './helpers/job-process.js';
import { recordingContext, waitFor } from './helpers/recording-context.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const fast = { sampleInterval: 10, reportInterval: 50, treeInterval: 20 };

describe('systemPlugin on this machine', () => {
  it('stores mean/min/max of host and job figures per window, labelled with the node', async () => {
    const root = await startJob(1, 16);
    const pid = root.pid as number;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    cleanups.push(() => stopJob(root, kids));
    const rec = recordingContext();
    const plugin = systemPlugin({ ...fast, pid });
    await plugin.start(rec.context);
    cleanups.push(() => plugin.stop());

    await waitFor(
      () => rec.of('cpu/usage_cores').length >= 3 && rec.of('network/rx_bytes_per_s').length >= 1,
      'three windows of job CPU',
    );
    await plugin.stop();

    const names = new Set(rec.series.map((s) => s.name));
    for (const { name } of SYSTEM_FIGURES) {
      expect(names).toContain(name);
      expect(names).toContain(`${name}/min`);
      expect(names).toContain(`${name}/max`);
    }
    for (const def of rec.series) {
      expect(def).toMatchObject({ kind: 'system', type: 'gauge', labels: { node: hostname() } });
      expect(def.unit).toBeTruthy();
    }
    // every window's mean lies between its min and max, all three stamped alike
    const means = rec.of('cpu/usage_cores');
    const mins = rec.of('cpu/usage_cores/min');
    const maxes = rec.of('cpu/usage_cores/max');
    expect(mins).toHaveLength(means.length);
    means.forEach((mean, i) => {
      expect(mins[i]?.time).toBe(mean.time);
      expect(mins[i]?.value).toBeLessThanOrEqual(mean.value);
      expect(maxes[i]?.value).toBeGreaterThanOrEqual(mean.value);
      expect(Number.isNaN(mean.x)).toBe(true);
    });
    // a busy child: the job used some CPU, and holds its 16 MiB
    expect(Math.max(...maxes.map((p) => p.value))).toBeGreaterThan(0);
    expect(Math.max(...rec.of('memory/usage_bytes').map((p) => p.value))).toBeGreaterThan(16 * 1048576);
    const utilization = rec.of('disk/utilization').map((p) => p.value);
    expect(utilization.every((u) => u > 0 && u <= 1)).toBe(true);
    expect(rec.of('host/cpu/usage_percent').every((p) => p.value >= 0 && p.value <= 100)).toBe(true);
    expect(rec.logs[0]?.text).toMatch(/sampling every 10 ms, storing mean\/min\/max every 50 ms for job pid/);
  });

  it('ends the job figures when the root exits, logs it once, and keeps the host figures going', async () => {
    const root = await startJob(0);
    const rec = recordingContext();
    const plugin = systemPlugin({ ...fast, pid: root.pid as number });
    await plugin.start(rec.context);
    cleanups.push(() => plugin.stop());
    await waitFor(() => rec.of('memory/usage_bytes').length >= 1, 'a window of job memory');

    await stopJob(root, []);
    await waitFor(() => rec.logs.some((l) => l.text.includes('has exited')), 'the exit to be logged');
    const jobPoints = rec.of('memory/usage_bytes').length;
    const hostPoints = rec.of('host/memory/usage_bytes').length;
    await waitFor(() => rec.of('host/memory/usage_bytes').length >= hostPoints + 3, 'more host windows');
    // at most the window that was open when the root exited
    expect(rec.of('memory/usage_bytes').length).toBeLessThanOrEqual(jobPoints + 1);
    expect(rec.logs.filter((l) => l.text.includes('has exited'))).toHaveLength(1);
  });

  it('stores host figures only when no pid is given, and stops on the run signal', async () => {
    const rec = recordingContext();
    const plugin = systemPlugin(fast);
    await plugin.start(rec.context);
    await waitFor(() => rec.of('host/cpu/usage_cores').length >= 1, 'a host window');
    rec.controller.abort();
    const count = rec.points.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rec.points.length).toBe(count);
    expect(rec.series.some((s) => s.name.startsWith('cpu/'))).toBe(false);
    await plugin.stop(); // idempotent
  });

  it('samples at 10 Hz and stores a window every second by default', async () => {
    const rec = recordingContext();
    const plugin = systemPlugin();
    await plugin.start(rec.context);
    cleanups.push(() => plugin.stop());
    await plugin.stop();
    expect(rec.logs[0]?.text).toMatch(/^system: sampling every 100 ms, storing mean\/min\/max every 1000 ms /);
  });

  it('refuses nonsensical intervals with a clear error', () => {
    expect(() => systemPlugin({ sampleInterval: 0 })).toThrow(/sampleInterval must be a positive number/);
    expect(() => systemPlugin({ reportInterval: Number.NaN })).toThrow(/reportInterval/);
  });
});

describe('systemPlugin on bad kernel files', () => {
  function fakeProc(files: Record<string, string | Buffer>): string {
    const root = mkdtempSync(join(tmpdir(), 'trainscope-system-proc-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  it('counts each rejection by reason, logs the first of each, keeps sampling and summarises at stop', async () => {
    const procRoot = fakeProc({
      stat: Buffer.from([0, 1, 2, 255, 0]),
      meminfo: 'MemTotal: many kB\n',
      'net/dev': 'x'.repeat(1100 * 1024),
      'self/cgroup': '0::/\n',
    });
    const rec = recordingContext();
    const plugin = systemPlugin({ ...fast, procRoot, cgroupRoot: join(procRoot, 'no-cgroup') });
    await plugin.start(rec.context);
    await waitFor(() => rec.of('disk/usage_bytes').length >= 2, 'disk windows despite the bad files');
    // a good file appears: the plugin picks it up without restarting
    copyFileSync(new URL('./fixtures/proc-capture/meminfo', import.meta.url), join(procRoot, 'meminfo'));
    await waitFor(() => rec.of('host/memory/usage_bytes').length >= 1, 'host memory once meminfo is readable');
    await plugin.stop();

    const warnings = rec.logs.filter((l) => l.level === 'warn').map((l) => l.text);
    expect(warnings.filter((t) => t.includes('(proc_stat_binary)'))).toHaveLength(1);
    expect(warnings.filter((t) => t.includes('(meminfo_malformed)'))).toHaveLength(1);
    expect(warnings.filter((t) => t.includes('(net_dev_oversized)'))).toHaveLength(1);
    const summary = warnings.at(-1) ?? '';
    expect(summary).toMatch(/^system: rejected \d+ readings \(/);
    expect(summary).toMatch(/proc_stat_binary=\d+/);
    expect(summary).toMatch(/net_dev_oversized=\d+/);
  });
});
