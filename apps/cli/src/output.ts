import type { Logger } from '@trainscope/core';

/** Where the CLI writes what it says (stderr, so that stdout stays the child's and --json's). */
export interface Output {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Plain stdout, for command results. */
  print(text: string): void;
  logger: Logger;
}

/** Output to the process's own streams; debug lines only with TRAINSCOPE_DEBUG. */
export function processOutput(): Output {
  const debug = Boolean(process.env['TRAINSCOPE_DEBUG']);
  const line = (text: string) => process.stderr.write(`${text}\n`);
  return {
    info: line,
    warn: line,
    error: line,
    debug: (m) => {
      if (debug) line(m);
    },
    print: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    logger: {
      debug: (m) => debug && line(`[debug] ${m}`),
      info: (m) => debug && line(`[info] ${m}`),
      warn: (m) => line(`trainscope: ${m}`),
      error: (m) => line(`trainscope: ${m}`),
    },
  };
}
