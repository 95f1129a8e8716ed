import fc from 'fast-check';
import { hostileText } from './arbitraries.js';
import { hasStackTrace, runCli } from './cli-process.js';
import { expectThat, type FuzzTarget } from './fuzz-target.js';

/** Arguments after `--dir <store>`; `out-N` names are placed in the temp dir by the target. */
export type CliInput = string[];

const word = fc.oneof(
  hostileText.filter((t) => !t.startsWith('--dir') && !t.includes('\u0000')),
  fc.constantFrom('', '-', '--', '-x', '--json', '--force', '--help', 'default', 'RUN', '0', '-1', '1e9', 'NaN'),
);
const option = fc.oneof(
  fc.constantFrom('--json', '--force', '--help', '-h', '--version', '--bogus'),
  fc
    .tuple(fc.constantFrom('--project', '--status', '--limit', '--format', '--name', '--out', '--port'), word)
    .map(([flag, value]) => `${flag}=${value}`),
  fc.constantFrom('--format', '--limit', '--status', '--out'),
);
const command = fc.oneof(
  fc.constant(['ls']),
  word.map((w) => ['show', w]),
  fc
    .tuple(word, fc.constantFrom('csv', 'parquet', 'arrow', 'jsonl-mldash', 'xml'))
    .map(([w, f]) => ['export', w, '--format', f, '--out', 'OUT']),
  word.map((w) => ['import', w]),
  word.map((w) => ['keys', 'create', w]),
  fc.constant(['keys', 'list']),
  word.map((w) => ['keys', 'revoke', w]),
  fc.constant(['keys']),
  fc.constant(['run']),
  word.map((w) => [w]),
);

/**
 * CLI arguments against the built `trainscope` binary (serve, statsd and run with a command are
 * left out: they run until stopped or start programs): every invocation ends by itself with exit
 * code 0, 1 or 2 and a message, never a stack trace. Output paths stay inside `workDir`.
 */
export function cliTarget(workDir: string, storeDir: string): FuzzTarget<CliInput> {
  return {
    name: 'cli',
    arbitrary: fc
      .tuple(command, fc.array(option, { maxLength: 3 }), fc.nat(1000))
      .map(([cmd, opts, n]) =>
        [...cmd, ...opts].map((a) => (a === 'OUT' ? `out-${n}` : a.replace('=OUT', `=out-${n}`))),
      ),
    async check(args) {
      // Options that take a path must not leave the work dir, whatever was generated.
      const safe = args.map((a) => (a.startsWith('--out=') ? `--out=out-${a.length}` : a));
      const result = await runCli(['--dir', storeDir, ...safe], { cwd: workDir, limitMs: 30_000 });
      expectThat(!result.timedOut, `trainscope ${safe.join(' ')} did not end within 30 s`);
      expectThat(
        result.code === 0 || result.code === 1 || result.code === 2,
        `trainscope ${safe.join(' ')} exited with ${result.code ?? result.signal}`,
        result.stderr,
      );
      expectThat(
        !hasStackTrace(result.stderr + result.stdout),
        `trainscope ${safe.join(' ')} printed a stack trace`,
        result.stderr,
      );
      return result.code === 0 ? {} : { [`exit_${result.code}`]: 1 };
    },
  };
}
