import { KerasTracker } from './keras-tracker.js';
import type { LineSplitter } from './line-splitter.js';
import type { ResolvedParserOptions } from './options.js';
import type { ParseContext } from './parse-context.js';
import { PythonDictParser } from './parse-python-dict.js';
import { Throttle } from './throttle.js';
import { TqdmTracker } from './tqdm-tracker.js';

/** Everything the parser remembers about one output stream (stdout and stderr never mix). */
export class StreamState {
  readonly splitter: LineSplitter;
  readonly throttle: Throttle;
  readonly keras: KerasTracker;
  readonly tqdm: TqdmTracker;
  readonly dict: PythonDictParser;
  /** Redraws (`\r`) seen since the last line break. */
  redraws = 0;
  /** Set when `now` is being handed through the splitter's callback. */
  now = 0;

  constructor(options: ResolvedParserOptions, context: ParseContext, splitter: (state: StreamState) => LineSplitter) {
    this.throttle = new Throttle(options.batchIntervalMs);
    this.keras = new KerasTracker(context, this.throttle, options.batchPoints);
    this.tqdm = new TqdmTracker(context, this.throttle, options.batchPoints);
    this.dict = new PythonDictParser(context);
    this.splitter = splitter(this);
  }
}
