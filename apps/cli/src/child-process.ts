import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';

/** How a child ended. */
export interface ChildExit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started at all. */
  spawnError?: NodeJS.ErrnoException;
}

/** The exit code `trainscope run` returns for a child's end: its code, or 128 + signal number. */
export function exitCodeOf(exit: ChildExit): number {
  if (exit.spawnError) return exit.spawnError.code === 'ENOENT' ? 127 : 126;
  if (exit.code !== null) return exit.code;
  const signo = exit.signal ? (constants.signals as Record<string, number>)[exit.signal] : undefined;
  return 128 + (signo ?? 1);
}

/** Starts a command with piped stdout/stderr and inherited stdin. */
export function startChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'], env });
}

/** Resolves when the child has exited and its output streams have closed. */
export function waitForChild(child: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, spawnError: error });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** Keeps the last lines of a stream (ANSI escapes and \r redraws removed) for error messages. */
export class TailLines {
  readonly #max: number;
  #lines: string[] = [];
  #partial = '';

  constructor(max = 20) {
    this.#max = max;
  }

  push(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split('\n');
    this.#partial = (parts.pop() ?? '').slice(-4096);
    for (const part of parts) this.#add(part);
  }

  lines(): string[] {
    const out = [...this.#lines];
    if (this.#partial.trim()) out.push(clean(this.#partial));
    return out.slice(-this.#max);
  }

  #add(line: string): void {
    const text = clean(line);
    if (!text.trim()) return;
    this.#lines.push(text.length > 2000 ? `${text.slice(0, 2000)}…` : text);
    if (this.#lines.length > this.#max) this.#lines.shift();
  }
}

function clean(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what we strip
  const noAnsi = line.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
  const lastRedraw = noAnsi.lastIndexOf('\r');
  return (lastRedraw >= 0 ? noAnsi.slice(lastRedraw + 1) : noAnsi).trimEnd();
}
