/** A live delta with its columns as typed arrays (what the binary encoding carries). */
export interface LiveDeltaColumns {
  series: number;
  run: string;
  from: number;
  x: Float64Array;
  /** 1 where x was given by the source, 0 where the store numbered the point. */
  xGiven: Uint8Array;
  time: Float64Array;
  value: Float64Array;
}

interface HeaderEntry {
  series: number;
  run: string;
  from: number;
  length: number;
  /** Packed layout: x is `x0 + i` (no x column). */
  x0?: number;
  /** Packed layout: every x_given is this (no x_given column). */
  xg?: number;
  /** Packed layout: time is `t0 +` an int32 column of milliseconds. */
  t0?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const pad8 = (n: number) => (n + 7) & ~7;

/**
 * Encodes deltas as one binary live message: a little-endian uint32 header length, a UTF-8 JSON
 * header `{"type":"delta","deltas":[{series, run, from, length}]}`, zero padding to 8 bytes, then
 * per delta the columns x, time and value as little-endian float64 and x_given as uint8 (padded to
 * 8). NaN and infinities travel as themselves. Pure.
 */
export function encodeLiveBinary(deltas: readonly LiveDeltaColumns[]): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({
      type: 'delta',
      deltas: deltas.map((d) => ({ series: d.series, run: d.run, from: d.from, length: d.value.length })),
    }),
  );
  let size = pad8(4 + header.length);
  for (const d of deltas) size += 24 * d.value.length + pad8(d.value.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  out.set(header, 4);
  let offset = pad8(4 + header.length);
  for (const d of deltas) {
    for (const column of [d.x, d.time, d.value]) {
      if (LITTLE_ENDIAN) out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), offset);
      else for (let i = 0; i < column.length; i++) view.setFloat64(offset + 8 * i, column[i] as number, true);
      offset += 8 * column.length;
    }
    out.set(d.xGiven, offset);
    offset += pad8(d.xGiven.length);
  }
  return out;
}

function float64s(bytes: Uint8Array, offset: number, length: number): Float64Array {
  if (LITTLE_ENDIAN) return new Float64Array(bytes.buffer, bytes.byteOffset + offset, length);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8 * length);
  return Float64Array.from({ length }, (_, i) => view.getFloat64(8 * i, true));
}

/**
 * Decodes a binary live message, in either layout (`encodeLiveBinary`, or `encodeLivePacked`,
 * told apart by the header's `layout`). Float64 columns are views of one aligned copy of the
 * message; packed columns are expanded. Throws on a truncated or malformed message.
 */
export function decodeLiveBinary(data: ArrayBuffer | Uint8Array): LiveDeltaColumns[] {
  const source = data instanceof Uint8Array ? data : new Uint8Array(data);
  // Float64Array views need an 8-byte aligned start; a socket's buffer may sit anywhere. (A Node
  // Buffer's slice() is a view, so copy with the constructor.)
  const bytes = source.byteOffset % 8 === 0 ? source : new Uint8Array(source);
  if (bytes.length < 4) throw new Error('Binary live message shorter than its header length.');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new Error('Binary live message shorter than its header.');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as {
    type?: unknown;
    layout?: unknown;
    deltas?: HeaderEntry[];
  };
  if (header.type !== 'delta' || !Array.isArray(header.deltas)) throw new Error('Binary live message is not a delta.');
  let offset = pad8(4 + headerLength);
  if (header.layout === 'packed') {
    return header.deltas.map((entry) => {
      const [columns, size] = unpack(bytes, offset, entry);
      offset += size;
      return columns;
    });
  }
  return header.deltas.map((entry) => {
    const n = entry.length;
    if (!Number.isSafeInteger(n) || n < 0 || offset + 24 * n + pad8(n) > bytes.length) {
      throw new Error('Binary live message shorter than its columns.');
    }
    const x = float64s(bytes, offset, n);
    const time = float64s(bytes, offset + 8 * n, n);
    const value = float64s(bytes, offset + 16 * n, n);
    const xGiven = bytes.subarray(offset + 24 * n, offset + 24 * n + n);
    offset += 24 * n + pad8(n);
    return { series: entry.series, run: entry.run, from: entry.from, x, xGiven, time, value };
  });
}

/** Whether x is `x[0] + i` throughout. */
function consecutive(x: Float64Array): boolean {
  const x0 = x[0] as number;
  for (let i = 1; i < x.length; i++) if (x[i] !== x0 + i) return false;
  return x.length > 0 && Number.isFinite(x0) && !Object.is(x0, -0);
}

/** Whether every time is `time[0]` plus a whole number of ms that fits an int32. */
function wholeMillis(time: Float64Array): boolean {
  const t0 = time[0] as number;
  if (!Number.isFinite(t0)) return false;
  for (let i = 0; i < time.length; i++) {
    const d = (time[i] as number) - t0;
    if (!Number.isInteger(d) || d > 0x7fffffff || d < -0x80000000 || t0 + d !== time[i]) return false;
  }
  return true;
}

function same(xGiven: Uint8Array): boolean {
  for (let i = 1; i < xGiven.length; i++) if (xGiven[i] !== xGiven[0]) return false;
  return true;
}

/**
 * Encodes deltas in the packed binary layout: the same uint32 length and JSON header as
 * `encodeLiveBinary`, with `"layout":"packed"`, then per delta the value column (float64, always),
 * the x column only when x is not `x0 + i` (header `x0` otherwise), the time column as int32 ms
 * after `t0` when every time is a whole number of ms from the first (float64 otherwise), and the
 * x_given column only when it is not all one value (header `xg` otherwise); each column padded
 * to 8 bytes. A typical step-numbered series costs 12 bytes a point instead of 25. Pure.
 */
export function encodeLivePacked(deltas: readonly LiveDeltaColumns[]): Uint8Array {
  const entries: HeaderEntry[] = [];
  let body = 0;
  for (const d of deltas) {
    const n = d.value.length;
    const entry: HeaderEntry = { series: d.series, run: d.run, from: d.from, length: n };
    body += 8 * n;
    if (n > 0 && consecutive(d.x)) entry.x0 = d.x[0] as number;
    else body += 8 * n;
    if (n > 0 && wholeMillis(d.time)) {
      entry.t0 = d.time[0] as number;
      body += pad8(4 * n);
    } else body += 8 * n;
    if (n > 0 && same(d.xGiven)) entry.xg = d.xGiven[0] as number;
    else body += pad8(n);
    entries.push(entry);
  }
  const header = new TextEncoder().encode(JSON.stringify({ type: 'delta', layout: 'packed', deltas: entries }));
  const start = pad8(4 + header.length);
  const out = new Uint8Array(start + body);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  out.set(header, 4);
  let offset = start;
  const putF64 = (column: Float64Array) => {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), offset);
    else for (let i = 0; i < column.length; i++) view.setFloat64(offset + 8 * i, column[i] as number, true);
    offset += 8 * column.length;
  };
  deltas.forEach((d, k) => {
    const entry = entries[k] as HeaderEntry;
    const n = d.value.length;
    putF64(d.value);
    if (entry.x0 === undefined) putF64(d.x);
    if (entry.t0 === undefined) putF64(d.time);
    else {
      const t0 = entry.t0;
      if (LITTLE_ENDIAN) {
        const ms = new Int32Array(out.buffer, offset, n);
        for (let i = 0; i < n; i++) ms[i] = (d.time[i] as number) - t0;
      } else for (let i = 0; i < n; i++) view.setInt32(offset + 4 * i, (d.time[i] as number) - t0, true);
      offset += pad8(4 * n);
    }
    if (entry.xg === undefined) {
      out.set(d.xGiven, offset);
      offset += pad8(n);
    }
  });
  return out;
}

/** Reads one packed delta at `offset`; returns it and the bytes it took. */
function unpack(bytes: Uint8Array, offset: number, entry: HeaderEntry): [LiveDeltaColumns, number] {
  const n = entry.length;
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('Binary live message has a bad length.');
  const size =
    8 * n +
    (entry.x0 === undefined ? 8 * n : 0) +
    (entry.t0 === undefined ? 8 * n : pad8(4 * n)) +
    (entry.xg === undefined ? pad8(n) : 0);
  if (offset + size > bytes.length) throw new Error('Binary live message shorter than its columns.');
  let at = offset;
  const value = float64s(bytes, at, n);
  at += 8 * n;
  let x: Float64Array;
  if (entry.x0 === undefined) {
    x = float64s(bytes, at, n);
    at += 8 * n;
  } else {
    x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = entry.x0 + i;
  }
  let time: Float64Array;
  if (entry.t0 === undefined) {
    time = float64s(bytes, at, n);
    at += 8 * n;
  } else {
    time = new Float64Array(n);
    const t0 = entry.t0;
    if (LITTLE_ENDIAN) {
      const ms = new Int32Array(bytes.buffer, bytes.byteOffset + at, n);
      for (let i = 0; i < n; i++) time[i] = t0 + (ms[i] as number);
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, 4 * n);
      for (let i = 0; i < n; i++) time[i] = t0 + view.getInt32(4 * i, true);
    }
    at += pad8(4 * n);
  }
  const xGiven = entry.xg === undefined ? bytes.subarray(at, at + n) : new Uint8Array(n).fill(entry.xg);
  return [{ series: entry.series, run: entry.run, from: entry.from, x, xGiven, time, value }, size];
}
