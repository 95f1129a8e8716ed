/**
 * Chart and point answers arrive as Arrow IPC streams of numeric columns (float64 and 8..64-bit
 * integers). Apache Arrow's reader parses them; this hands each column on as a Float64Array (a
 * float64 column without nulls is passed through as the library's view, other columns are
 * widened), with nulls as NaN, and turns the library's failures and anything that is not a
 * stream of numeric columns into `ArrowFormatError`.
 */
import { type Table, tableFromIPC, type Vector } from 'apache-arrow';

/** Columns of an Arrow IPC stream by field name, as float64, and the row count. */
export interface ArrowColumns {
  length: number;
  columns: Map<string, Float64Array>;
}

/** An Arrow stream `readArrowColumns` cannot read. */
export class ArrowFormatError extends Error {
  constructor(message: string) {
    super(`Arrow IPC: ${message}`);
    this.name = 'ArrowFormatError';
  }
}

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function widen(vector: Vector, length: number): Float64Array {
  const values = vector.toArray() as ArrayLike<number | bigint>;
  if (values instanceof Float64Array && vector.nullCount === 0 && values.length === length) return values;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = vector.nullCount > 0 && !vector.isValid(i) ? Number.NaN : Number(values[i]);
  }
  return out;
}

/** Reads a whole Arrow IPC stream of numeric columns; see the module comment. */
export function readArrowColumns(input: ArrayBuffer | Uint8Array): ArrowColumns {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (FILE_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new ArrowFormatError('the file format is not read here, only the stream format');
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    throw new ArrowFormatError(error instanceof Error ? error.message : String(error));
  }
  if (table.schema.fields.length === 0) throw new ArrowFormatError('the stream has no schema');
  const columns = new Map<string, Float64Array>();
  for (const [i, field] of table.schema.fields.entries()) {
    const typeId = field.type.typeId as number;
    // Arrow's Type enum: 2 Int, 3 Float (numeric columns are all a chart or points answer holds).
    if (typeId !== 2 && typeId !== 3) throw new ArrowFormatError(`column "${field.name}" is not numeric`);
    columns.set(field.name, widen(table.getChildAt(i) as Vector, table.numRows));
  }
  return { length: table.numRows, columns };
}
