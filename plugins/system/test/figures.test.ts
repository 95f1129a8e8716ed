import { describe, expect, it } from 'vitest';
import { computeFigures, type Snapshot, SYSTEM_FIGURES } from '../src/figures.js';

const limits = { cpuCount: 4, memoryLimitBytes: 8 * 2 ** 30, clockTicks: 100 };

function figures(previous: Snapshot | undefined, current: Snapshot): Record<string, number> {
  const out: Record<string, number> = {};
  computeFigures(previous, current, limits, (slot, value) => {
    out[SYSTEM_FIGURES[slot]?.name as string] = value;
  });
  return out;
}

describe('computeFigures', () => {
  const a: Snapshot = {
    clock: 0,
    cpu: { busy: 100, total: 1000, cpus: 8 },
    memory: { totalBytes: 16 * 2 ** 30, availableBytes: 12 * 2 ** 30 },
    job: { ticks: 0, rssBytes: 2 ** 30 },
    disk: { usedBytes: 500, utilization: 0.5 },
    net: { rxBytes: 1000, txBytes: 0, interfaces: 1 },
  };
  const b: Snapshot = {
    clock: 500,
    cpu: { busy: 150, total: 1100, cpus: 8 },
    memory: { totalBytes: 16 * 2 ** 30, availableBytes: 8 * 2 ** 30 },
    job: { ticks: 75, rssBytes: 2 * 2 ** 30 },
    disk: { usedBytes: 600, utilization: 0.6 },
    net: { rxBytes: 3000, txBytes: 500, interfaces: 1 },
  };

  it('gives only the level figures for the first snapshot', () => {
    expect(Object.keys(figures(undefined, a))).toEqual([
      'memory/usage_bytes',
      'memory/usage_percent',
      'host/memory/usage_bytes',
      'host/memory/usage_percent',
      'disk/usage_bytes',
      'disk/utilization',
    ]);
  });

  it('turns deltas into cores, percents and bytes per second', () => {
    expect(figures(a, b)).toEqual({
      // 75 ticks at 100 Hz over 0.5 s = 1.5 cores, of a 4-CPU limit
      'cpu/usage_cores': 1.5,
      'cpu/usage_percent': 37.5,
      // 50 busy of 100 ticks on 8 CPUs
      'host/cpu/usage_cores': 4,
      'host/cpu/usage_percent': 50,
      'memory/usage_bytes': 2 * 2 ** 30,
      'memory/usage_percent': 25,
      'host/memory/usage_bytes': 8 * 2 ** 30,
      'host/memory/usage_percent': 50,
      'disk/usage_bytes': 600,
      'disk/utilization': 0.6,
      'network/rx_bytes_per_s': 4000,
      'network/tx_bytes_per_s': 1000,
    });
  });

  it('gives no rate for a counter that went backwards, and says so', () => {
    const reasons: string[] = [];
    const out: number[] = [];
    const reset: Snapshot = {
      clock: 1000,
      net: { rxBytes: 10, txBytes: 10, interfaces: 1 },
      cpu: { busy: 0, total: 0, cpus: 8 },
    };
    computeFigures(
      b,
      reset,
      limits,
      (slot) => out.push(slot),
      (what) => reasons.push(what),
    );
    expect(out).toEqual([]);
    expect(reasons).toEqual(['host cpu ticks', 'network byte counters']);
  });
});
