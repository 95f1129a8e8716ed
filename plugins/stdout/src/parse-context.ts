import type { FlatFields } from './flat-object.js';
import type { NameCheck } from './name-check.js';
import type { RejectionTally } from './rejection-tally.js';
import { type Format, type ParserSink, RejectReason, type XAxis } from './sink.js';

/** What the format recognisers share: the sink, the tallies and scratch space. */
export class ParseContext {
  points = 0;

  constructor(
    readonly sink: ParserSink,
    readonly tally: RejectionTally,
    readonly names: NameCheck,
    readonly fields: FlatFields,
  ) {}

  /** Emits a point after checking its name; a bad name is counted and reported once instead. */
  emit(name: string, value: number, x: number, time: number, axis: XAxis, format: Format): boolean {
    const problem = this.names.check(name);
    if (problem !== undefined) {
      this.tally.add(RejectReason.invalidName, name, () => `${format} metric name refused: ${problem}`);
      return false;
    }
    this.emitChecked(name, value, x, time, axis, format);
    return true;
  }

  /** Emits a point whose name this context's `names` already accepted. */
  emitChecked(name: string, value: number, x: number, time: number, axis: XAxis, format: Format): void {
    this.points++;
    this.sink.point(name, value, x, time, axis, format);
  }
}
