/**
 * A small reader of Arrow IPC streams holding numeric columns (float64, and 8..64-bit integers),
 * which is what chart reads send. It reads the flatbuffer metadata by hand so that the viewer
 * needs no Arrow library: column data is viewed in place, not parsed, so a zoom's answer costs
 * almost nothing to decode. Nulls read as NaN; compressed bodies and other types are refused.
 */

/** Columns of an Arrow IPC stream by field name, as float64, and the row count. */
export interface ArrowColumns {
  length: number;
  columns: Map<string, Float64Array>;
}

/** An Arrow stream this reader cannot read. */
export class ArrowFormatError extends Error {
  constructor(message: string) {
    super(`Arrow IPC: ${message}`);
    this.name = 'ArrowFormatError';
  }
}

const CONTINUATION = 0xffffffff;
const HEADER_SCHEMA = 1;
const HEADER_RECORD_BATCH = 3;
const TYPE_INT = 2;
const TYPE_FLOATING_POINT = 3;
const PRECISION_DOUBLE = 2;

interface FieldType {
  name: string;
  kind: 'float64' | 'int';
  bitWidth: number;
  signed: boolean;
}

/** Flatbuffer table access over one message's metadata. */
class Table {
  constructor(
    readonly view: DataView,
    readonly pos: number,
  ) {}

  static root(view: DataView, start: number): Table {
    return new Table(view, start + view.getUint32(start, true));
  }

  #field(slot: number): number {
    const vtable = this.pos - this.view.getInt32(this.pos, true);
    const size = this.view.getUint16(vtable, true);
    const at = 4 + 2 * slot;
    if (at >= size) return 0;
    return this.view.getUint16(vtable + at, true);
  }

  uint8(slot: number, otherwise = 0): number {
    const o = this.#field(slot);
    return o ? this.view.getUint8(this.pos + o) : otherwise;
  }

  int16(slot: number, otherwise = 0): number {
    const o = this.#field(slot);
    return o ? this.view.getInt16(this.pos + o, true) : otherwise;
  }

  int32(slot: number, otherwise = 0): number {
    const o = this.#field(slot);
    return o ? this.view.getInt32(this.pos + o, true) : otherwise;
  }

  int64(slot: number): number {
    const o = this.#field(slot);
    return o ? readInt64(this.view, this.pos + o) : 0;
  }

  /** Position of the object an offset field points to, or -1 when absent. */
  offset(slot: number): number {
    const o = this.#field(slot);
    if (!o) return -1;
    const at = this.pos + o;
    return at + this.view.getUint32(at, true);
  }

  table(slot: number): Table | null {
    const at = this.offset(slot);
    return at < 0 ? null : new Table(this.view, at);
  }

  string(slot: number): string {
    const at = this.offset(slot);
    if (at < 0) return '';
    const n = this.view.getUint32(at, true);
    return new TextDecoder().decode(new Uint8Array(this.view.buffer, this.view.byteOffset + at + 4, n));
  }

  /** Length and first element position of a vector field (length 0 when absent). */
  vector(slot: number): { length: number; start: number } {
    const at = this.offset(slot);
    if (at < 0) return { length: 0, start: 0 };
    return { length: this.view.getUint32(at, true), start: at + 4 };
  }
}

function readInt64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getInt32(at + 4, true) * 2 ** 32;
}

function readSchema(message: Table): FieldType[] {
  const schema = message.table(2);
  if (!schema) throw new ArrowFormatError('schema message without a schema');
  const fields = schema.vector(1);
  const out: FieldType[] = [];
  for (let i = 0; i < fields.length; i++) {
    const at = fields.start + 4 * i;
    const field = new Table(message.view, at + message.view.getUint32(at, true));
    const name = field.string(0);
    if (field.vector(5).length > 0 || field.offset(4) >= 0) {
      throw new ArrowFormatError(`column "${name}" is nested or dictionary-encoded`);
    }
    const typeType = field.uint8(2);
    const type = field.table(3);
    if (typeType === TYPE_FLOATING_POINT && type && type.int16(0) === PRECISION_DOUBLE) {
      out.push({ name, kind: 'float64', bitWidth: 64, signed: true });
    } else if (typeType === TYPE_INT && type) {
      out.push({ name, kind: 'int', bitWidth: type.int32(0), signed: type.uint8(1) === 1 });
    } else {
      throw new ArrowFormatError(`column "${name}" is not float64 or an integer`);
    }
  }
  return out;
}

function readColumn(
  bytes: Uint8Array,
  body: number,
  field: FieldType,
  rows: number,
  validity: { offset: number; length: number },
  data: { offset: number; length: number },
  nulls: number,
): Float64Array {
  const at = bytes.byteOffset + body + data.offset;
  const width = field.bitWidth / 8;
  if (data.length < rows * width) throw new ArrowFormatError(`column "${field.name}" is shorter than its rows`);
  // Copied out so the answer does not pin the response (and so that alignment never matters).
  const raw = bytes.buffer.slice(at, at + rows * width);
  let out: Float64Array;
  if (field.kind === 'float64') out = new Float64Array(raw);
  else if (field.bitWidth === 32) out = Float64Array.from(field.signed ? new Int32Array(raw) : new Uint32Array(raw));
  else if (field.bitWidth === 16) out = Float64Array.from(field.signed ? new Int16Array(raw) : new Uint16Array(raw));
  else if (field.bitWidth === 8) out = Float64Array.from(field.signed ? new Int8Array(raw) : new Uint8Array(raw));
  else if (field.bitWidth === 64) {
    const big = field.signed ? new BigInt64Array(raw) : new BigUint64Array(raw);
    out = Float64Array.from(big, (v) => Number(v));
  } else throw new ArrowFormatError(`column "${field.name}" has a ${field.bitWidth}-bit integer type`);
  if (nulls > 0 && validity.length > 0) {
    const bits = new Uint8Array(bytes.buffer, bytes.byteOffset + body + validity.offset, validity.length);
    for (let r = 0; r < rows; r++) if (!(((bits[r >> 3] as number) >> (r & 7)) & 1)) out[r] = Number.NaN;
  }
  return out;
}

/** Reads the numeric columns of an Arrow IPC stream (all record batches, in order). */
export function readArrowColumns(input: ArrayBuffer | Uint8Array): ArrowColumns {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 6)) === 'ARROW1') {
    throw new ArrowFormatError('this is the file format; send the stream format');
  }
  let fields: FieldType[] | null = null;
  const parts: Float64Array[][] = [];
  let length = 0;
  let pos = 0;
  while (pos + 4 <= bytes.byteLength) {
    let metaLength = view.getUint32(pos, true);
    pos += 4;
    if (metaLength === CONTINUATION) {
      if (pos + 4 > bytes.byteLength) break;
      metaLength = view.getUint32(pos, true);
      pos += 4;
    }
    if (metaLength === 0) break; // end of stream
    if (pos + metaLength > bytes.byteLength) throw new ArrowFormatError('message runs past the end of the stream');
    const message = Table.root(view, pos);
    const body = pos + metaLength;
    const bodyLength = message.int64(3);
    if (body + bodyLength > bytes.byteLength) throw new ArrowFormatError('body runs past the end of the stream');
    const header = message.uint8(1);
    if (header === HEADER_SCHEMA) {
      fields = readSchema(message);
      for (let i = 0; i < fields.length; i++) parts.push([]);
    } else if (header === HEADER_RECORD_BATCH) {
      if (!fields) throw new ArrowFormatError('record batch before the schema');
      const batch = message.table(2);
      if (!batch) throw new ArrowFormatError('record batch message without a batch');
      if (batch.offset(3) >= 0) throw new ArrowFormatError('compressed bodies are not supported');
      const rows = batch.int64(0);
      const nodes = batch.vector(1);
      const buffers = batch.vector(2);
      if (nodes.length !== fields.length || buffers.length !== 2 * fields.length) {
        throw new ArrowFormatError('record batch does not match the schema');
      }
      const buffer = (i: number) => ({
        offset: readInt64(view, buffers.start + 16 * i),
        length: readInt64(view, buffers.start + 16 * i + 8),
      });
      fields.forEach((field, i) => {
        const nulls = readInt64(view, nodes.start + 16 * i + 8);
        (parts[i] as Float64Array[]).push(
          readColumn(bytes, body, field, rows, buffer(2 * i), buffer(2 * i + 1), nulls),
        );
      });
      length += rows;
    } else {
      throw new ArrowFormatError(`unsupported message type ${header}`);
    }
    pos = body + bodyLength;
  }
  if (!fields) throw new ArrowFormatError('no schema');
  const columns = new Map<string, Float64Array>();
  fields.forEach((field, i) => {
    const chunks = parts[i] as Float64Array[];
    if (chunks.length === 1) {
      columns.set(field.name, chunks[0] as Float64Array);
      return;
    }
    const all = new Float64Array(length);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    columns.set(field.name, all);
  });
  return { length, columns };
}
