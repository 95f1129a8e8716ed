import type { BucketColumns } from './bucket-trace.js';
import type { AxisScaleInfo } from './chart-input.js';
import type { AxisTransform } from './x-axis.js';

/** True when a series' x is the epoch itself (Keras epoch-end metrics, a Coflux axis in epochs). */
export function isEpochIndexed(xScale: AxisScaleInfo | null | undefined): boolean {
  return xScale?.name === 'epoch' || /^epochs?$/i.test(xScale?.units ?? '');
}

/**
 * The epoch as a function of the step, from a run's `epoch` series (Hugging Face Trainer logs the
 * fractional epoch at each logging step): piecewise linear between its points, made monotonic
 * (a value below an earlier one is raised to it), and carried on past either end with the slope
 * of the nearest segment, so points logged before the first or after the last epoch point still
 * land where the run was heading. Step-indexed series are drawn through it in `epoch` mode.
 */
export class EpochMap {
  #steps: number[] = [];
  #epochs: number[] = [];

  /** The map of the first and last points of M4 buckets of the epoch series, sorted by bucket. */
  static fromBuckets(buckets: BucketColumns): EpochMap {
    const map = new EpochMap();
    for (let i = 0; i < buckets.length; i++) {
      map.add(buckets.firstX[i] as number, buckets.firstV[i] as number);
      map.add(buckets.lastX[i] as number, buckets.lastV[i] as number);
    }
    return map;
  }

  /** Points of the map (step, epoch), in step order. */
  get size(): number {
    return this.#steps.length;
  }

  /** Adds a point; one that is not finite, or not after the last step, is left out. */
  add(step: number, epoch: number): void {
    if (!Number.isFinite(step) || !Number.isFinite(epoch)) return;
    const n = this.#steps.length;
    if (n > 0 && step <= (this.#steps[n - 1] as number)) return;
    this.#steps.push(step);
    this.#epochs.push(n > 0 ? Math.max(epoch, this.#epochs[n - 1] as number) : epoch);
  }

  /** The epoch at a step. */
  toEpoch(step: number): number {
    return interpolate(this.#steps, this.#epochs, step, 'first');
  }

  /** The first step at an epoch (the start of a stretch where the epoch stood still). */
  toStep(epoch: number): number {
    return interpolate(this.#epochs, this.#steps, epoch, 'first');
  }

  /** The last step at an epoch. */
  toLastStep(epoch: number): number {
    return interpolate(this.#epochs, this.#steps, epoch, 'last');
  }

  /** The transform of `epoch` mode for step-indexed series. */
  transform(): AxisTransform {
    return {
      toDisplay: (step) => this.toEpoch(step),
      fromDisplay: (epoch) => this.toStep(epoch),
      fromDisplayRange: (min, max) => [this.toStep(min), this.toLastStep(max)],
    };
  }
}

/**
 * y at x on the polyline through (xs, ys), xs non-decreasing; past either end along the nearest
 * segment. Where xs repeats (the inverse of a flat stretch), `first` or `last` of the run is used.
 */
function interpolate(xs: readonly number[], ys: readonly number[], x: number, pick: 'first' | 'last'): number {
  const n = xs.length;
  if (n === 0) return x;
  if (n === 1) {
    const x0 = xs[0] as number;
    const y0 = ys[0] as number;
    // One point: proportional through the origin when it can be (epoch = step / steps per epoch).
    return x0 !== 0 && y0 !== 0 ? (x * y0) / x0 : x - x0 + y0;
  }
  // First index whose x is >= x (first) or > x (last).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = xs[mid] as number;
    if (pick === 'first' ? v < x : v <= x) lo = mid + 1;
    else hi = mid;
  }
  if (pick === 'first' && lo < n && xs[lo] === x) return ys[lo] as number;
  if (pick === 'last' && lo > 0 && xs[lo - 1] === x) return ys[lo - 1] as number;
  let a = Math.min(Math.max(lo - 1, 0), n - 2);
  let b = a + 1;
  // Past the ends: the nearest segment that is not flat (a flat one has no slope to carry on).
  if (lo === 0) while (b < n - 1 && xs[b] === xs[a]) b++;
  if (lo >= n) while (a > 0 && xs[a] === xs[b]) a--;
  const xa = xs[a] as number;
  const xb = xs[b] as number;
  const ya = ys[a] as number;
  const yb = ys[b] as number;
  if (xb === xa) return pick === 'first' ? ya : yb;
  return ya + ((x - xa) * (yb - ya)) / (xb - xa);
}
