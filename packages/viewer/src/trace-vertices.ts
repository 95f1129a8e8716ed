import type { BucketTrace } from './bucket-trace.js';

/** Where a non-finite value sits: NaN, +Infinity or -Infinity, at an x in display units. */
export interface NonFiniteMark {
  x: number;
  kind: 'nan' | '+inf' | '-inf';
}

/** Line vertices of a trace: up to four per bucket (first, min, max, last in x order). */
export interface TraceVertices {
  /** x in display units, ascending. */
  x: number[];
  /** Values as stored, NaN and +/-Infinity included (for readouts and CSV). */
  v: number[];
  /** Value, or null where it is non-finite (or not positive on a log axis): a gap in the line. */
  y: (number | null)[];
  /** Bucket max where the bucket holds at least `bandMin` points, else null. */
  hi: (number | null)[];
  /** Bucket min where the bucket holds at least `bandMin` points, else null. */
  lo: (number | null)[];
  marks: NonFiniteMark[];
}

/** Options of `traceVertices`. */
export interface VertexOptions {
  /** Axis units to display units. @default identity */
  toDisplay?: (x: number) => number;
  /** First axis value wanted (one bucket more is kept so lines reach the edge). @default everything */
  min?: number;
  /** Last axis value wanted. @default everything */
  max?: number;
  /** Values <= 0 become gaps (log scale). @default false */
  logY?: boolean;
  /** Vertices at display x <= 0 are left out (log scale has no place for them). @default false */
  logX?: boolean;
  /** Fewest points in a bucket for the min/max band. @default 3 */
  bandMin?: number;
}

const identity = (x: number) => x;

/**
 * Expands M4 buckets into line vertices. Drawing first, min, max and last of each pixel column
 * gives the same pixels as drawing every raw point, so spikes survive downsampling.
 */
export function traceVertices(trace: BucketTrace, options: VertexOptions = {}): TraceVertices {
  const c = trace.columns;
  const toDisplay = options.toDisplay ?? identity;
  const bandMin = options.bandMin ?? 3;
  const logY = options.logY ?? false;
  const logX = options.logX ?? false;
  let from = 0;
  let to = c.length;
  if (options.min !== undefined) from = Math.max(0, trace.lowerBound(options.min) - 1);
  if (options.max !== undefined) to = Math.min(c.length, trace.lowerBound(options.max) + 2);
  const out: TraceVertices = { x: [], v: [], y: [], hi: [], lo: [], marks: [] };
  const px: number[] = [0, 0, 0, 0];
  const pv: number[] = [0, 0, 0, 0];
  const width = 2 ** trace.exp;
  for (let i = from; i < to; i++) {
    let n = 0;
    const add = (x: number, v: number) => {
      if (Number.isNaN(x)) return;
      for (let k = 0; k < n; k++) if (px[k] === x && Object.is(pv[k], v)) return;
      let k = n++;
      while (k > 0 && (px[k - 1] as number) > x) {
        px[k] = px[k - 1] as number;
        pv[k] = pv[k - 1] as number;
        k--;
      }
      px[k] = x;
      pv[k] = v;
    };
    add(c.firstX[i] as number, c.firstV[i] as number);
    add(c.minX[i] as number, c.minV[i] as number);
    add(c.maxX[i] as number, c.maxV[i] as number);
    add(c.lastX[i] as number, c.lastV[i] as number);
    const count = c.count[i] as number;
    const band = count >= bandMin && Number.isFinite(c.minV[i] as number) && Number.isFinite(c.maxV[i] as number);
    let nanMarked = false;
    for (let k = 0; k < n; k++) {
      const x = toDisplay(px[k] as number);
      if (logX && !(x > 0)) continue;
      const v = pv[k] as number;
      out.x.push(x);
      out.v.push(v);
      const finite = Number.isFinite(v);
      out.y.push(finite && !(logY && v <= 0) ? v : null);
      out.hi.push(band ? (c.maxV[i] as number) : null);
      out.lo.push(band ? (c.minV[i] as number) : null);
      if (!finite) {
        const kind = Number.isNaN(v) ? 'nan' : v > 0 ? '+inf' : '-inf';
        if (kind === 'nan') nanMarked = true;
        out.marks.push({ x, kind });
      }
    }
    const nanX = toDisplay(((c.bucket[i] as number) + 0.5) * width);
    if ((c.nanCount[i] as number) > 0 && !nanMarked && !(logX && !(nanX > 0))) {
      out.marks.push({ x: nanX, kind: 'nan' });
    }
  }
  return out;
}
