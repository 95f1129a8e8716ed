/** An error the CLI reports as one line (no stack) with an exit code: 1 failure, 2 bad usage. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
