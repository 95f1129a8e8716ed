/** A visible x range, in display units. */
export type XRange = readonly [number, number];

const toLog = (v: number) => Math.log10(v);
const fromLog = (v: number) => 10 ** v;

/**
 * The range after zooming by `factor` around `at` (factor < 1 zooms in). On a log axis the zoom
 * is even in log space, so the point under the cursor stays put either way.
 */
export function zoomRange([min, max]: XRange, at: number, factor: number, log = false): [number, number] {
  if (log && min > 0 && at > 0) {
    const [a, b, c] = [toLog(min), toLog(max), toLog(at)];
    return [fromLog(c - (c - a) * factor), fromLog(c + (b - c) * factor)];
  }
  return [at - (at - min) * factor, at + (max - at) * factor];
}

/** The range moved by `fraction` of its width (positive: towards larger x); even in log space on a log axis. */
export function panRange([min, max]: XRange, fraction: number, log = false): [number, number] {
  if (log && min > 0) {
    const shift = (toLog(max) - toLog(min)) * fraction;
    return [fromLog(toLog(min) + shift), fromLog(toLog(max) + shift)];
  }
  const shift = (max - min) * fraction;
  return [min + shift, max + shift];
}
