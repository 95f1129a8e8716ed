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
 * Decodes a binary live message (see `encodeLiveBinary`). The columns are views of one aligned
 * copy of the message. Throws on a truncated or malformed message.
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
    deltas?: HeaderEntry[];
  };
  if (header.type !== 'delta' || !Array.isArray(header.deltas)) throw new Error('Binary live message is not a delta.');
  let offset = pad8(4 + headerLength);
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
