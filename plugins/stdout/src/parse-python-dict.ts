import { scanFlatObject, ValueKind } from './flat-object.js';
import type { ParseContext } from './parse-context.js';
import { Format, RejectReason, XAxis } from './sink.js';

/**
 * Python dict lines as Hugging Face `Trainer` prints its logs:
 * `{'loss': 0.6931, 'grad_norm': 1.23, 'learning_rate': 5e-05, 'epoch': 0.25}`. Every numeric
 * value becomes a point named by its key (`epoch` too); x is the `step` value when the dict has
 * one, otherwise a counter of dict lines on this stream (1, 2, ...), so all values of one line
 * share an x. Numpy and torch scalars (`np.float64(0.5)`, `tensor(0.5)`) read as numbers; other
 * values (strings, None, lists) are counted as `non_numeric_value`.
 */
export class PythonDictParser {
  #counter = 0;

  constructor(readonly context: ParseContext) {}

  /** Returns true when the line was a dict with single-quoted keys. */
  parse(line: string, now: number): boolean {
    const { fields, tally } = this.context;
    if (!scanFlatObject(line, 0, line.length, fields) || fields.quote !== 39) return false;
    let numeric = 0;
    for (let f = 0; f < fields.count; f++) if (fields.kind[f] === ValueKind.number) numeric++;
    if (numeric === 0) return false;
    this.#counter++;
    let x = this.#counter;
    const axis = XAxis.step;
    const stepField = fields.find(line, 'step');
    if (stepField >= 0 && fields.kind[stepField] === ValueKind.number && Number.isFinite(fields.number[stepField])) {
      x = fields.number[stepField] as number;
    }
    for (let f = 0; f < fields.count; f++) {
      const name = fields.key(line, f);
      if (f === stepField) continue;
      if (fields.kind[f] !== ValueKind.number) {
        const shown = fields.value(line, f);
        tally.add(
          RejectReason.nonNumericValue,
          name,
          () => `Python dict key '${name}' has ${shown}, not a number; it was skipped.`,
        );
        continue;
      }
      this.context.emit(name, fields.number[f] as number, x, now, axis, Format.python);
    }
    return true;
  }
}
