import { TrainscopeError } from '@trainscope/core';

/** A value handed to the SDK that it cannot record: not a number, or an `at` that is not finite. */
export class InvalidValueError extends TrainscopeError {
  constructor(message: string, value: unknown) {
    super('invalid_value', message, value);
  }
}

/** A call made in the wrong state: before `open()`, after `close()`, or with no experiment to write to. */
export class ExperimentStateError extends TrainscopeError {
  constructor(code: 'not_open' | 'closed' | 'no_experiment', message: string) {
    super(code, message);
  }
}

/** Options that contradict each other or name something that does not exist. */
export class InvalidOptionError extends TrainscopeError {
  constructor(message: string, value: unknown) {
    super('invalid_option', message, value);
  }
}
