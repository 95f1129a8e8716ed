/**
 * Chart and point answers arrive as Arrow IPC streams of numeric columns (float64 and 8..64-bit
 * integers). Apache Arrow's reader parses them; this module hands each column on as a
 * Float64Array (a float64 column without nulls is passed through as the library's view, other
 * columns are widened), with nulls as NaN, and turns the library's failures and anything that is
 * not a complete stream of numeric columns into `ArrowFormatError`.
 */
import { type Table, tableFromIPC, type Vector } from 'apache-arrow';

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

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function isFileFormat(bytes: Uint8Array): boolean {
  return FILE_MAGIC.every((b, i) => bytes[i] === b);
}

function widen(name: string, vector: Vector, length: number): Float64Array {
  const values = vector.toArray() as ArrayLike<number | bigint>;
  if (values instanceof Float64Array && vector.nullCount === 0 && values.length === length) return values;
  if (typeof values.length !== 'number' || (values.length > 0 && typeof values[0] === 'object')) {
    throw new ArrowFormatError(`column "${name}" is not numeric`);
  }
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    out[i] = vector.nullCount > 0 && !vector.isValid(i) ? Number.NaN : Number(v);
  }
  return out;
}

/** Reads a whole Arrow IPC stream of numeric columns; see the module comment. */
export function readArrowColumns(input: ArrayBuffer | Uint8Array): ArrowColumns {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (isFileFormat(bytes)) throw new ArrowFormatError('the file format is not read here, only the stream format');
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new ArrowFormatError(error instanceof Error ? error.message : String(error));
  }
  if (table.schema.fields.length === 0) throw new ArrowFormatError('the stream has no schema');
  const expected = table.batches.reduce((n, b) => n + b.numRows, 0);
  const length = table.numRows;
  const columns = new Map<string, Float64Array>();
  for (const [i, field] of table.schema.fields.entries()) {
    const typeId = field.type.typeId as number;
    // Arrow's Type enum: 2 Int, 3 Float (numeric columns are all a chart or points answer holds).
    if (typeId !== 2 && typeId !== 3) throw new ArrowFormatError(`column "${field.name}" is not numeric`);
    const vector = table.getChildAt(i);
    if (vector === null || vector.length !== expected) {
      throw new ArrowFormatError(`column "${field.name}" is cut off`);
    }
    columns.set(field.name, widen(field.name, vector, length));
  }
  return { length, columns };
}
