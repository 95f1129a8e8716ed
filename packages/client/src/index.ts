export type * from './types.js';
export { decodeColumn, decodeNumber, encodeColumn, encodeNumber } from './wire-number.js';
