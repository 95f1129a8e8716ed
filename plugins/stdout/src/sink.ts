/** Which output a chunk came from. */
export const OutputStream = {
  stdout: 'stdout',
  stderr: 'stderr',
} as const;
export type OutputStream = (typeof OutputStream)[keyof typeof OutputStream];

/** What a point's x means, so the series can say so on its axis. */
export const XAxis = {
  /** No x given: the store numbers the point by its position (x is NaN). */
  none: 'none',
  /** A step / batch counter (`step` field, Keras global step, tqdm position). */
  step: 'step',
  /** An epoch number. */
  epoch: 'epoch',
} as const;
export type XAxis = (typeof XAxis)[keyof typeof XAxis];

/** Which recogniser produced a point. */
export const Format = {
  json: 'json',
  keras: 'keras',
  python: 'python',
  tqdm: 'tqdm',
} as const;
export type Format = (typeof Format)[keyof typeof Format];

/** Extra facts about a stored log line. */
export interface LineMetadata {
  /** The line was longer than `maxLineBytes`; `text` holds its start. */
  truncated?: boolean;
  /** Bytes the line had before truncation (only with `truncated`). */
  bytes?: number;
  /** Carriage-return redraws folded into this line; `text` is the last one, as a terminal shows it. */
  redraws?: number;
  /** The line held bytes that are not UTF-8; they read as U+FFFD. */
  invalidUtf8?: boolean;
}

/** Where the parser puts what it finds. Called synchronously from `push()` / `end()`. */
export interface ParserSink {
  /** One metric point. `x` is NaN when none was given; `time` is epoch milliseconds. */
  point(name: string, value: number, x: number, time: number, axis: XAxis, format: Format): void;
  /** One output line, without its terminator. */
  line(text: string, stream: OutputStream, time: number, metadata: LineMetadata | undefined): void;
  /** The first rejection of its kind for a name (later ones are only counted in `stats()`). */
  reject(reason: RejectReason, name: string, message: string): void;
}

/** Why input was refused or cut. */
export const RejectReason = {
  /** A JSON metric line whose `value` is not an int or float (a string, a bool, null, ...). */
  nonNumericValue: 'non_numeric_value',
  /** A JSON metric line without a `value`. */
  missingValue: 'missing_value',
  /** A metric name that breaks the series naming rule, or a `metric` that is not a string. */
  invalidName: 'invalid_name',
  /** A `step` / `epoch` / `at` that is not a finite number: the point is kept without x. */
  badX: 'bad_x',
  /** A `timestamp` that cannot be read: the point is kept at the time it was read. */
  badTimestamp: 'bad_timestamp',
  /** A line longer than `maxLineBytes`: its start is logged, it is not parsed for metrics. */
  lineTooLong: 'line_too_long',
  /** A line with bytes that are not UTF-8: logged with U+FFFD in their place. */
  invalidUtf8: 'invalid_utf8',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];
