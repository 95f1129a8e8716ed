/** Why a line (or part of one) was not turned into points. */
export const RejectReason = {
  /** Not valid JSON (also with NaN/Infinity allowed). */
  malformed: 'malformed',
  /** Valid JSON but not an object (`[1, 2]`, `42`, `"text"`). */
  notObject: 'not_object',
  /** Longer than `maxLineBytes`; skipped up to the next newline. */
  oversized: 'oversized',
  /** Holds NUL bytes or bytes that are not UTF-8. */
  binary: 'binary',
  /** A field name the series naming rule refuses (control characters, too long). */
  badName: 'bad_name',
  /** `step`/`epoch` was NaN or +/-Infinity; the point is kept without an x. */
  nonFiniteX: 'non_finite_x',
  /** A record field that is not a number (string, boolean, null, list); the field is skipped. */
  nonNumeric: 'non_numeric',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];
