import { describe, it } from 'vitest';
import { jsonlTarget } from '../src/fuzz-jsonl.js';
import { statsdTarget } from '../src/fuzz-statsd.js';
import { stdoutTarget } from '../src/fuzz-stdout.js';
import { assertTarget } from '../src/run-property.js';

describe('fuzzing the parsers with a fixed seed', () => {
  it('stdout parser: no throw, every refusal counted, valid lines exact, chunking does not matter', async () => {
    await assertTarget(stdoutTarget, 800);
  });

  it('statsd packets: no throw, every packet answered, well-formed gauges exact', async () => {
    await assertTarget(statsdTarget, 2000);
  });

  it('JSON-lines records: no throw, refusals by known reason, valid records exact, chunking does not matter', async () => {
    await assertTarget(jsonlTarget, 800);
  });
});
