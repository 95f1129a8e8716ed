import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError } from './cli-error.js';
import type { RunOptions } from './commands/run.js';
import { type Output, processOutput } from './output.js';

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

function seconds(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError(`${name} must be a positive number of seconds, such as 0.5 or 10.`);
    }
    return n;
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Builds the `trainscope` program; each action stores its exit code in `result.code`. */
export function buildProgram(out: Output, result: { code: number }): Command {
  const program = new Command('trainscope')
    .description('Local-first training metrics: run a script, capture what it prints and sends, watch it live.')
    .option('--dir <path>', 'store directory (default: $TRAINSCOPE_DIR or ./.trainscope)')
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  const dir = () => program.opts<{ dir?: string }>().dir;

  program
    .command('run')
    .description('run CMD, pass its output through, and record its metrics, statsd packets and system figures')
    .usage('[options] -- CMD [ARGS...]')
    .argument('<command...>', 'the command to run, after --')
    .option('-p, --project <name>', 'project of the run', 'default')
    .option('-n, --name <name>', 'name of the run (default: <project>-<id>)')
    .option('--param <key=value>', 'record a parameter (repeatable)', collect, [])
    .option('--tag <tag>', 'tag the run (repeatable)', collect, [])
    .option('--metric <name>', 'declare a statsd metric name; others are refused (repeatable)', collect, [])
    .option('--port <port>', 'dashboard/API port (default: a free one)', integer('--port', 0, 65535))
    .option('--host <address>', 'dashboard/API bind address', '127.0.0.1')
    .option(
      '--statsd-port <port>',
      'statsd UDP port (default: 8125, or a free one if taken)',
      integer('--statsd-port', 0, 65535),
    )
    .option('--no-gpu', 'do not sample NVIDIA GPUs')
    .option('--open', 'open the dashboard in a browser (TRAINSCOPE_BROWSER names one)')
    .option(
      '--system-interval <seconds>',
      'seconds per stored system sample (mean/min/max of 10 Hz samples)',
      seconds('--system-interval'),
      1,
    )
    .passThroughOptions()
    .action(async (command: string[], options: Omit<RunOptions, 'dir'>) => {
      const d = dir();
      const { runCommand } = await import('./commands/run.js');
      result.code = await runCommand(command, { ...options, ...(d ? { dir: d } : {}) }, out);
    });

  program
    .command('serve')
    .description('serve the dashboard and API for every run in the store')
    .option('--port <port>', 'port', integer('--port', 0, 65535), 6070)
    .option('--host <address>', 'bind address (non-loopback needs an API key)', '127.0.0.1')
    .option('--open', 'open the dashboard in a browser (TRAINSCOPE_BROWSER names one)')
    .action(async (options: { port: number; host: string; open?: boolean }) => {
      const d = dir();
      const { serveCommand } = await import('./commands/serve.js');
      result.code = await serveCommand({ ...options, ...(d ? { dir: d } : {}) }, out);
    });

  program
    .command('ls')
    .description('list runs with status and key metrics, newest first')
    .option('--project <name>', 'only this project')
    .addOption(
      new Option('--status <status>', 'only runs in this state').choices(['running', 'completed', 'failed', 'stopped']),
    )
    .option('--limit <n>', 'at most this many runs', integer('--limit', 1, 100_000), 100)
    .option('--json', 'print a JSON array (snake_case keys)')
    .action(async (options: { project?: string; status?: string; limit: number; json?: boolean }) => {
      const d = dir();
      const { lsCommand } = await import('./commands/ls.js');
      result.code = await lsCommand({ ...options, ...(d ? { dir: d } : {}) }, out);
    });

  program
    .command('show')
    .description('summarise a run: status, params, and last/min/max with a sparkline per series')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const d = dir();
      const { showCommand } = await import('./commands/show.js');
      result.code = await showCommand(runId, { ...options, ...(d ? { dir: d } : {}) }, out);
    });

  program
    .command('export')
    .description('write every point of a run, full resolution, as CSV, Parquet, Arrow IPC or an ml-dash directory')
    .argument('<run>', 'run id')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['csv', 'parquet', 'arrow', 'jsonl-mldash'])
        .makeOptionMandatory(),
    )
    .requiredOption('--out <path>', 'output file (a directory for jsonl-mldash)')
    .option('--force', 'replace an existing output')
    .action(async (runId: string, options: { format: 'csv'; out: string; force?: boolean }) => {
      const { exportCommand } = await import('./commands/export.js');
      const d = dir();
      result.code = await exportCommand(runId, { ...options, ...(d ? { dir: d } : {}) }, out);
    });

  program
    .command('import')
    .description('import an ml-dash directory (one run per experiment) or a JSON-lines file (one run)')
    .argument('<path>', 'ml-dash root/project/experiment directory, or a .jsonl file')
    .option('--project <name>', 'project for the imported runs (default: from ml-dash, else "default")')
    .option('--name <name>', 'name of the imported run')
    .option('--json', 'print the imported runs as JSON')
    .action(async (path: string, options: { project?: string; name?: string; json?: boolean }) => {
      const { importCommand } = await import('./commands/import.js');
      const d = dir();
      result.code = await importCommand(path, { ...options, ...(d ? { dir: d } : {}) }, out);
    });

  program
    .command('statsd')
    .description('run a standalone statsd collector that records into a run until interrupted')
    .option('--port <port>', 'statsd UDP port', integer('--port', 0, 65535), 8125)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('-p, --project <name>', 'project of the collector run', 'statsd')
    .option('-n, --name <name>', 'name of the collector run')
    .option('--metric <name>', 'declare a metric name; others are refused (repeatable)', collect, [])
    .option('--api-port <port>', 'API port (default: a free one)', integer('--api-port', 0, 65535))
    .action(
      async (options: {
        port: number;
        host: string;
        project: string;
        name?: string;
        metric: string[];
        apiPort?: number;
      }) => {
        const { statsdCommand } = await import('./commands/statsd.js');
        const d = dir();
        result.code = await statsdCommand({ ...options, ...(d ? { dir: d } : {}) }, out);
      },
    );

  const keys = program.command('keys').description('manage API keys (stored as hashes in the store directory)');
  keys
    .command('create')
    .argument('<name>', 'a name for the key')
    .option('--json', 'print JSON')
    .description('create a key and print it once')
    .action(async (name: string, options: { json?: boolean }) => {
      const { keysCreate } = await import('./commands/keys.js');
      const d = dir();
      result.code = keysCreate(name, { ...options, ...(d ? { dir: d } : {}) }, out);
    });
  keys
    .command('list')
    .option('--json', 'print JSON')
    .description('list keys (ids and names, never the keys)')
    .action(async (options: { json?: boolean }) => {
      const { keysList } = await import('./commands/keys.js');
      const d = dir();
      result.code = keysList({ ...options, ...(d ? { dir: d } : {}) }, out);
    });
  keys
    .command('revoke')
    .argument('<key>', 'key id or name')
    .description('revoke a key; a running server refuses it at once')
    .action(async (key: string) => {
      const { keysRevoke } = await import('./commands/keys.js');
      const d = dir();
      result.code = keysRevoke(key, d ? { dir: d } : {}, out);
    });

  // `--dir` also after the command name (`trainscope run --dir X -- ...`), where people put it.
  const leaves = (c: Command): Command[] => (c.commands.length === 0 ? [c] : c.commands.flatMap(leaves));
  for (const leaf of program.commands.flatMap(leaves)) {
    leaf.option('--dir <path>', 'store directory (default: $TRAINSCOPE_DIR or ./.trainscope)');
  }
  program.hook('preAction', (_program, action) => {
    const own = action.opts<{ dir?: string }>().dir;
    if (own !== undefined) program.setOptionValue('dir', own);
  });
  return program;
}

/** Runs the CLI with arguments (without `node` and the script) and returns the exit code. */
export async function main(argv: string[], out: Output = processOutput()): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(out, result);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0)
        return 0;
      return 2;
    }
    if (error instanceof CliError) {
      out.error(`trainscope: ${error.message}`);
      return error.exitCode;
    }
    if (
      error instanceof Error &&
      typeof (error as { code?: unknown }).code === 'string' &&
      error.name.endsWith('Error') &&
      'value' in error
    ) {
      // A typed trainscope error: its message already says what to do.
      out.error(`trainscope: ${error.message}`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      out.error(`trainscope: ${(error as Error).message}; choose another --port.`);
      return 1;
    }
    out.error(`trainscope: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
