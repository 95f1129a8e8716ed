import { parseStatsdPacket, RejectReason } from '@trainscope/plugin-statsd';
import fc from 'fast-check';
import { finiteValue, hostileBytes, hostileText, mutated, oddNumberText } from './arbitraries.js';
import { expectThat, type FuzzTarget, isSubsequence, sameNumber } from './fuzz-target.js';

interface Gauge {
  name: string;
  value: number;
}

/** A generated datagram: its lines, and the gauges among them that must be read exactly. */
export interface StatsdInput {
  packet: string | Uint8Array;
  gauges: Gauge[];
}

const statsdName = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/);
const gauge = fc.record({ name: statsdName, value: finiteValue.filter((v) => v >= 0) });
const anyLine = fc.oneof(
  fc
    .tuple(
      statsdName,
      fc.oneof(finiteValue.map(String), oddNumberText),
      fc.constantFrom('c', 'g', 'ms', 'h', 'd', 's', 'x', ''),
    )
    .map(([n, v, t]) => `${n}:${v}|${t}`),
  fc.constantFrom(
    'a:1|c|@0.1|#env:prod,gpu',
    'a:1:2:3|ms',
    '_e{5,4}:title|text',
    '_sc|name|0',
    'a:1|c|@0',
    'a:1|c|@1.5',
    'a:+1|g',
    'a:-1|g',
    'a:1|c|T12345',
    ':1|c',
    'a:|c',
    'a:1',
  ),
);

const KNOWN = Object.values(RejectReason) as string[];

/**
 * statsd datagrams: never throws, answers every packet with samples or a counted refusal under a
 * known reason, and reads each well-formed gauge to exactly its value (unless the packet as a
 * whole is refused as binary or oversized).
 */
export const statsdTarget: FuzzTarget<StatsdInput> = {
  name: 'statsd',
  arbitrary: fc.oneof(
    fc
      .array(
        fc.oneof(
          gauge.map((g) => ({ g, text: `${g.name}:${g.value}|g` })),
          anyLine.map((text) => ({ g: null, text })),
        ),
        {
          maxLength: 10,
        },
      )
      .chain((lines) =>
        fc
          .oneof(
            fc.constant(lines.map((l) => l.text)),
            fc.tuple(fc.nat(lines.length), hostileText).map(([i, junk]) => {
              const texts = lines.map((l) => l.text);
              texts.splice(i, 0, junk);
              return texts;
            }),
          )
          .map((texts) => ({
            packet: texts.join('\n'),
            gauges: lines.flatMap((l) => (l.g ? [l.g] : [])),
          })),
      ),
    mutated(anyLine).map((packet) => ({ packet, gauges: [] })),
    hostileBytes.map((packet) => ({ packet, gauges: [] })),
  ),
  check({ packet, gauges }) {
    const { samples, rejections } = parseStatsdPacket(packet);
    expectThat(samples.length + rejections.length > 0, 'a packet gave neither samples nor a refusal');
    const counts: Record<string, number> = {};
    for (const r of rejections) {
      expectThat(KNOWN.includes(r.reason), `unknown rejection reason "${r.reason}"`);
      counts[r.reason] = (counts[r.reason] ?? 0) + 1;
    }
    for (const s of samples) {
      expectThat(s.rate > 0 && s.rate <= 1, `sample rate ${s.rate} outside (0, 1]`);
      if (s.type !== 'g' && s.type !== 's') expectThat(Number.isFinite(s.value), `non-finite ${s.type} value`);
    }
    if (counts['binary'] === undefined && counts['oversized'] === undefined) {
      const read = samples.filter((s) => s.type === 'g' && !s.delta);
      expectThat(
        isSubsequence(gauges, read, (g, s) => g.name === s.name && sameNumber(g.value, s.value)),
        'a well-formed gauge was not read exactly',
        { gauges, read },
      );
    }
    return counts;
  },
};
