/** How a chart's x axis is laid out. */
export const XAxisMode = {
  /** The series' x (step, or whatever `at` was). */
  step: 'step',
  /**
   * Epochs: a series whose x is the epoch is drawn as it is; a step-indexed one is mapped through
   * its run's `epoch` series (see `EpochMap`).
   */
  epoch: 'epoch',
  /** Seconds since the run (or the first point) started. */
  relative: 'relative',
  /** Wall-clock time. */
  wall: 'wall',
} as const;
export type XAxisMode = (typeof XAxisMode)[keyof typeof XAxisMode];

/** Parses an `x-axis` attribute; anything unknown is `step`. */
export function parseXAxisMode(value: string | null | undefined): XAxisMode {
  return value === 'epoch' || value === 'relative' || value === 'wall' ? value : 'step';
}

/** The store axis a mode reads: `x` or wall `time`. */
export function storeAxis(mode: XAxisMode): 'x' | 'time' {
  return mode === 'relative' || mode === 'wall' ? 'time' : 'x';
}

/** Conversion between store axis units and display units. */
export interface AxisTransform {
  toDisplay(x: number): number;
  fromDisplay(x: number): number;
  /**
   * Store-axis range of a display range, where a mapping is not one to one (a stretch where the
   * epoch stands still maps to many steps). @default `[fromDisplay(min), fromDisplay(max)]`
   */
  fromDisplayRange?(min: number, max: number): [number, number];
}

/** The store-axis range a transform reads for a display range. */
export function storeRange(transform: AxisTransform, min: number, max: number): [number, number] {
  return transform.fromDisplayRange?.(min, max) ?? [transform.fromDisplay(min), transform.fromDisplay(max)];
}

/** The identity transform (a series' own x). */
export const identityTransform: AxisTransform = { toDisplay: (x) => x, fromDisplay: (x) => x };

/** The transform of a mode; `origin` is the run start (epoch ms) for `relative`. */
export function axisTransform(mode: XAxisMode, origin: number): AxisTransform {
  if (mode === 'relative') {
    return { toDisplay: (t) => (t - origin) / 1000, fromDisplay: (s) => s * 1000 + origin };
  }
  return identityTransform;
}

/** Axis label of a mode, unless the series' x scale names its units. */
export function axisLabel(mode: XAxisMode, units?: string): string {
  if (units) return units;
  if (mode === 'relative') return 'seconds';
  if (mode === 'wall') return '';
  return mode;
}
