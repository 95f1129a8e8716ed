/** What the child's environment depends on about trainscope's own terminal. */
export interface TerminalFacts {
  /** Whether trainscope's stdout is a terminal. */
  stdoutIsTTY: boolean;
  /** Whether trainscope's stderr is a terminal. */
  stderrIsTTY: boolean;
  /** Width of that terminal in columns, when known. */
  columns?: number | undefined;
}

/** The force-colour variables libraries read when their output is not a terminal. */
export const FORCE_COLOR_VARIABLES = {
  /** Node (chalk, supports-color, util.inspect) and Python's rich. */
  FORCE_COLOR: '1',
  /** The CLICOLOR convention (BSD tools, many CLIs, Python's colorama-based libraries). */
  CLICOLOR_FORCE: '1',
  /** pytest, tox and other Python tools. */
  PY_COLORS: '1',
} as const;

/** The terminal facts of this process. */
export function processTerminal(): TerminalFacts {
  return {
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    columns: process.stdout.columns ?? process.stderr.columns,
  };
}

/**
 * The environment of the child of `trainscope run`: the parent's, plus `extra`, plus what keeps
 * its output looking as it would on the terminal although its stdout and stderr are pipes:
 * `PYTHONUNBUFFERED=1` (lines arrive as printed); the force-colour variables when both of
 * trainscope's own streams are a terminal (one set of variables governs both of the child's
 * streams, and a pipe or file must stay free of escapes); `COLUMNS` when either is (so progress
 * bars fit the terminal). A variable the user set is kept as set; `NO_COLOR` or `FORCE_COLOR=0`
 * turns the forcing off. `TERM` and the rest pass as they are.
 */
export function childEnv(
  parent: NodeJS.ProcessEnv,
  terminal: TerminalFacts,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...parent, PYTHONUNBUFFERED: parent['PYTHONUNBUFFERED'] ?? '1' };
  const colourRefused = Boolean(parent['NO_COLOR']) || parent['FORCE_COLOR'] === '0';
  if (terminal.stdoutIsTTY && terminal.stderrIsTTY && !colourRefused) {
    for (const [name, value] of Object.entries(FORCE_COLOR_VARIABLES)) env[name] ??= value;
  }
  const anyTerminal = terminal.stdoutIsTTY || terminal.stderrIsTTY;
  if (anyTerminal && terminal.columns !== undefined && terminal.columns > 0) {
    env['COLUMNS'] ??= String(terminal.columns);
  }
  return { ...env, ...extra };
}
