/**
 * Why a packet or line was refused. Every refusal is counted under one of these and reported in
 * the run's log; the listener keeps running.
 */
export const RejectReason = {
  /** A datagram (or stream line) with nothing but whitespace in it. */
  emptyPacket: 'empty_packet',
  /** A datagram or stream line longer than `maxPacketSize`. */
  oversized: 'oversized',
  /** Control bytes or invalid UTF-8: not a text protocol packet. */
  binary: 'binary',
  /** A line that is not `name:value|type[|@rate][|#tags]`. */
  malformed: 'malformed',
  /** A type other than `c`, `g`, `ms`, `h`, `d`, `s`. */
  unknownType: 'unknown_type',
  /** A value that is not a number. */
  badValue: 'bad_value',
  /** NaN or +/-Infinity for a counter, timer or histogram (an aggregate cannot hold it). */
  nonFinite: 'non_finite',
  /** A sample rate outside (0, 1] or not a number. */
  badSampleRate: 'bad_sample_rate',
  /** DogStatsD events (`_e{`) and service checks (`_sc|`), which are not metrics. */
  unsupported: 'unsupported',
  /** A name the store refuses (empty segment, too long). */
  badName: 'bad_name',
  /** A name outside the declared `metrics` list. */
  undeclared: 'undeclared',
  /** A new metric (name, type, tag set) past `maxMetrics`. */
  tooManyMetrics: 'too_many_metrics',
  /** A series the store would not define (its points are dropped). */
  storeRefused: 'store_refused',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** One refused packet or line, with the text (cut short) for the report. */
export interface Rejection {
  readonly reason: RejectReason;
  readonly text: string;
}
