/**
 * Time-weighted exponential moving average. With evenly spaced points it is the classic EMA
 * with factor `smoothing`; with uneven spacing each step decays by smoothing^(dx / meanDx), so a
 * gap in the data forgets as much as the points that would have filled it. Debiased like
 * TensorBoard's, so the line starts at the first value instead of 0. Gaps (null) keep the average
 * and stay gaps.
 */
export function timeWeightedEma(
  x: ArrayLike<number>,
  y: ArrayLike<number | null>,
  smoothing: number,
): (number | null)[] {
  const n = x.length;
  const out = new Array<number | null>(n).fill(null);
  const s = Math.min(Math.max(smoothing, 0), 0.999);
  if (s === 0) {
    for (let i = 0; i < n; i++) out[i] = y[i] ?? null;
    return out;
  }
  let first = Number.NaN;
  let last = Number.NaN;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === null || y[i] === undefined) continue;
    if (Number.isNaN(first)) first = x[i] as number;
    last = x[i] as number;
    finite++;
  }
  const meanDx = finite > 1 ? (last - first) / (finite - 1) : 1;
  const logS = Math.log(s);
  let acc = 0;
  let weight = 0;
  let prevX = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (v === null || v === undefined) continue;
    const xi = x[i] as number;
    const dx = Number.isNaN(prevX) || !(meanDx > 0) ? 1 : Math.max(0, xi - prevX) / meanDx;
    const decay = Math.exp(logS * dx);
    acc = acc * decay + (1 - decay) * v;
    weight = weight * decay + (1 - decay);
    out[i] = weight > 0 ? acc / weight : v;
    prevX = xi;
  }
  return out;
}
