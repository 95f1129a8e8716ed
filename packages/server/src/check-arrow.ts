import { DictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import { Footer } from 'apache-arrow/fb/footer';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { ByteBuffer } from 'flatbuffers';
import { ApiError } from './api-error.js';

/** Columns a body may declare. */
const MAX_FIELDS = 64;
/** Record batches a body may hold. */
const MAX_BATCHES = 10_000;
/** Custom metadata entries per schema, field or message. */
const MAX_METADATA = 64;

function refuse(message: string): never {
  throw new ApiError(400, 'malformed_arrow', `The body is not a usable Arrow IPC stream: ${message}`);
}

const MAGIC = 'ARROW1';
const isMagic = (bytes: Uint8Array, at: number) =>
  at >= 0 && at + 6 <= bytes.length && String.fromCharCode(...bytes.subarray(at, at + 6)) === MAGIC;

function checkSchema(schema: Schema): number {
  const fields = schema.fieldsLength();
  if (fields > MAX_FIELDS) refuse(`${fields} columns (at most ${MAX_FIELDS}).`);
  if (schema.customMetadataLength() > MAX_METADATA) refuse('too much schema metadata.');
  for (let i = 0; i < fields; i++) {
    const field = schema.fields(i);
    if (!field) refuse('a missing column.');
    if (field.childrenLength() > 0) refuse('nested columns.');
    if (field.customMetadataLength() > MAX_METADATA) refuse('too much column metadata.');
  }
  return fields;
}

function checkBatch(batch: RecordBatch, fields: number, body: number): void {
  const rows = Number(batch.length());
  // Every row of every column takes at least one bit of the body.
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > body * 8 + 64)
    refuse(`${batch.length()} rows in ${body} bytes.`);
  const nodes = batch.nodesLength();
  if (nodes !== fields) refuse(`${nodes} column nodes for ${fields} columns.`);
  const buffers = batch.buffersLength();
  if (buffers > 3 * fields) refuse(`${buffers} buffers for ${fields} columns.`);
  for (let i = 0; i < nodes; i++) {
    const n = Number(batch.nodes(i)?.length());
    if (!Number.isSafeInteger(n) || n < 0 || n > rows) refuse(`a column of ${n} rows in a batch of ${rows}.`);
  }
  for (let i = 0; i < buffers; i++) {
    const b = batch.buffers(i);
    const offset = Number(b?.offset());
    const length = Number(b?.length());
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > body
    ) {
      refuse(`a buffer at ${offset}+${length} outside its ${body}-byte body.`);
    }
  }
}

/** Reads the message framed at `at`; returns where its body starts and ends, or null at the end. */
function readMessage(bytes: Uint8Array, at: number): { message: Message; bodyAt: number; bodyEnd: number } | null {
  if (at + 4 > bytes.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let metaLength = view.getInt32(at, true);
  let metaAt = at + 4;
  if (metaLength === -1) {
    if (at + 8 > bytes.length) refuse('a truncated message.');
    metaLength = view.getInt32(at + 4, true);
    metaAt = at + 8;
  }
  if (metaLength === 0) return null; // end of stream
  if (metaLength < 0 || metaAt + metaLength > bytes.length) refuse(`a message header of ${metaLength} bytes.`);
  const message = Message.getRootAsMessage(new ByteBuffer(bytes.subarray(metaAt, metaAt + metaLength)));
  const body = Number(message.bodyLength());
  const bodyAt = metaAt + metaLength;
  if (!Number.isSafeInteger(body) || body < 0 || bodyAt + body > bytes.length)
    refuse(`a message body of ${body} bytes.`);
  if (message.customMetadataLength() > MAX_METADATA) refuse('too much message metadata.');
  return { message, bodyAt, bodyEnd: bodyAt + body };
}

function checkMessage(message: Message, fields: number, body: number): number {
  switch (message.headerType()) {
    case MessageHeader.Schema:
      return checkSchema(message.header(new Schema()) as Schema);
    case MessageHeader.RecordBatch:
      if (fields < 0) refuse('a record batch before the schema.');
      checkBatch(message.header(new RecordBatch()) as RecordBatch, fields, body);
      return fields;
    case MessageHeader.DictionaryBatch: {
      if (fields < 0) refuse('a dictionary before the schema.');
      // A dictionary's values: one column of their own.
      const data = (message.header(new DictionaryBatch()) as DictionaryBatch).data(new RecordBatch());
      if (!data) refuse('a dictionary without values.');
      checkBatch(data, 1, body);
      return fields;
    }
    default:
      return refuse(`message type ${message.headerType()}.`);
  }
}

/**
 * Reads the flatbuffer headers of an Arrow IPC body (stream or file) without decoding it and
 * refuses what apache-arrow would otherwise trust to allocate from: lengths past the end of the
 * bytes, rows, nodes or buffers out of proportion to the bytes sent (dictionaries included),
 * nested columns, too many columns, batches or metadata entries. A few hundred mutated bytes could otherwise hold
 * the event loop for seconds and exhaust the heap.
 */
export function checkArrowStream(bytes: Uint8Array): void {
  try {
    if (isMagic(bytes, 0)) {
      checkFile(bytes);
      return;
    }
    let fields = -1;
    let batches = 0;
    for (let at = 0, m = readMessage(bytes, at); m; at = m.bodyEnd, m = readMessage(bytes, at)) {
      if (++batches > MAX_BATCHES) refuse(`more than ${MAX_BATCHES} messages.`);
      fields = checkMessage(m.message, fields, m.bodyEnd - m.bodyAt);
    }
    if (fields < 0) refuse('no schema.');
  } catch (error) {
    if (error instanceof ApiError) throw error;
    refuse((error as Error).message);
  }
}

/** The file format: magic, messages, a footer naming the schema and each batch's block, magic. */
function checkFile(bytes: Uint8Array): void {
  if (bytes.length < 18 || !isMagic(bytes, bytes.length - 6)) refuse('a truncated file.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLength = view.getInt32(bytes.length - 10, true);
  const footerAt = bytes.length - 10 - footerLength;
  if (footerLength <= 0 || footerAt < 8) refuse(`a footer of ${footerLength} bytes.`);
  const footer = Footer.getRootAsFooter(new ByteBuffer(bytes.subarray(footerAt, footerAt + footerLength)));
  const schema = footer.schema();
  if (!schema) refuse('no schema.');
  const fields = checkSchema(schema);
  const dictionaries = footer.dictionariesLength();
  const blocks = footer.recordBatchesLength();
  if (blocks + dictionaries > MAX_BATCHES) refuse(`${blocks + dictionaries} record batches.`);
  for (let i = 0; i < dictionaries + blocks; i++) {
    const block = i < dictionaries ? footer.dictionaries(i) : footer.recordBatches(i - dictionaries);
    const offset = Number(block?.offset());
    if (!Number.isSafeInteger(offset) || offset < 8 || offset >= footerAt) refuse(`a record batch at ${offset}.`);
    const m = readMessage(bytes.subarray(0, footerAt), offset);
    if (!m) refuse(`no record batch at ${offset}.`);
    const expected = i < dictionaries ? MessageHeader.DictionaryBatch : MessageHeader.RecordBatch;
    if (m.message.headerType() !== expected) refuse(`no record batch at ${offset}.`);
    checkMessage(m.message, fields, m.bodyEnd - m.bodyAt);
  }
}
