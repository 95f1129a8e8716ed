import { constants } from 'node:os';
import { CliError } from './cli-error.js';

/** An import stopped by Ctrl-C or SIGTERM; exits 128 + the signal's number, as a shell reports it. */
export class ImportInterruptedError extends CliError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`import interrupted by ${signal}.`, signalExitCode(signal));
    this.name = 'ImportInterruptedError';
    this.signal = signal;
  }
}

/** 128 + the signal's number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + ((constants.signals as Record<string, number>)[signal] ?? 1);
}

/** Signals caught while an import runs, so its run can be marked before the process ends. */
export interface ImportInterrupt {
  /** Aborted at the first signal (stops a blocked read). */
  readonly signal: AbortSignal;
  /** The first signal caught, or null. */
  signalled(): NodeJS.Signals | null;
  /** Throws `ImportInterruptedError` once a signal came. */
  check(): void;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Catches SIGINT and SIGTERM for the length of an import: the first one aborts the import (which
 * then marks its run `stopped`) and is announced through `onFirst`; a second one ends the process
 * at once, as if nothing caught it.
 */
export function importInterrupt(
  onFirst: (signal: NodeJS.Signals) => void,
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
): ImportInterrupt {
  const controller = new AbortController();
  let caught: NodeJS.Signals | null = null;
  const dispose = () => {
    for (const s of signals) process.off(s, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (caught) {
      dispose();
      process.kill(process.pid, signal);
      return;
    }
    caught = signal;
    onFirst(signal);
    controller.abort(new ImportInterruptedError(signal));
  }
  for (const s of signals) process.on(s, onSignal);
  return {
    signal: controller.signal,
    signalled: () => caught,
    check: () => {
      if (caught) throw new ImportInterruptedError(caught);
    },
    dispose,
  };
}
