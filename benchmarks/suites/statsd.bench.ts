/**
 * statsd listener: the highest packet rate held with zero loss, trainscope's listener against
 * Etsy's statsd daemon (npm `statsd`, no backends), on the same paced packet stream over loopback.
 *
 * A sender process (C with sendmmsg when a C compiler is present, else Node) sends packets at a
 * fixed rate for a fixed time; the receiver's count of metrics received is compared with the count
 * sent. Rates step up geometrically until a trial loses anything, then bisect. trainscope's
 * listener runs in this process as a collector; the peer runs as a child process and its
 * `statsd.metrics_received` counter is read through its management port.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { createStatsdCollector } from '@trainscope/plugin-statsd';
import { type Benchmark, type BenchRow, fmt, median } from '../lib/harness.ts';

const SENDER_C = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define BATCH 64
#define VARIANTS 64
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  int port = atoi(argv[1]); double pps = atof(argv[2]); double seconds = atof(argv[3]); int mpp = atoi(argv[4]);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(fd, (struct sockaddr *)&to, sizeof to)) { perror("connect"); return 1; }
  static char packets[VARIANTS][4096]; static int lengths[VARIANTS];
  int metric = 0;
  for (int v = 0; v < VARIANTS; v++) {
    int n = 0;
    for (int m = 0; m < mpp; m++, metric++) {
      int id = metric % 100;
      if (id % 2) n += snprintf(packets[v] + n, 4096 - n, "%sbench.c%d:1|c", m ? "\n" : "", id);
      else n += snprintf(packets[v] + n, 4096 - n, "%sbench.g%d:%d.5|g", m ? "\n" : "", id, metric % 1000);
    }
    lengths[v] = n;
  }
  struct mmsghdr msgs[BATCH]; struct iovec iov[BATCH];
  long total = (long)(pps * seconds), sent = 0;
  double start = now(), end = start;
  while (sent < total) {
    double elapsed = now() - start;
    long due = (long)(elapsed * pps); if (due > total) due = total;
    if (due <= sent) { struct timespec nap = { 0, 20000 }; nanosleep(&nap, NULL); continue; }
    int k = 0;
    while (k < BATCH && sent + k < due) {
      int v = (int)((sent + k) % VARIANTS);
      iov[k].iov_base = packets[v]; iov[k].iov_len = lengths[v];
      memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
      msgs[k].msg_hdr.msg_iov = &iov[k]; msgs[k].msg_hdr.msg_iovlen = 1; k++;
    }
    int r = sendmmsg(fd, msgs, k, 0);
    if (r > 0) sent += r;
    end = now();
  }
  printf("%ld %.6f\n", sent * mpp, end - start);
  return 0;
}
`;

const SENDER_JS = `
const dgram = require('node:dgram');
const [port, pps, seconds, mpp] = process.argv.slice(2).map(Number);
const socket = dgram.createSocket('udp4');
const packets = [];
let metric = 0;
for (let v = 0; v < 64; v++) {
  const lines = [];
  for (let m = 0; m < mpp; m++, metric++) {
    const id = metric % 100;
    lines.push(id % 2 ? 'bench.c' + id + ':1|c' : 'bench.g' + id + ':' + (metric % 1000) + '.5|g');
  }
  packets.push(Buffer.from(lines.join('\\n')));
}
socket.connect(port, '127.0.0.1', () => {
  const total = Math.floor(pps * seconds);
  const start = performance.now();
  let sent = 0;
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * pps));
    while (sent < due) socket.send(packets[sent++ % 64]);
    if (sent < total) setImmediate(tick);
    else {
      const elapsed = (performance.now() - start) / 1000;
      socket.close(() => console.log(sent * mpp + ' ' + elapsed));
    }
  };
  tick();
});
`;

interface Receiver {
  name: string;
  received(): Promise<number>;
  /** CPU seconds the receiving process has used so far (user + system). */
  cpuSeconds(): number;
  port: number;
  close(): Promise<void>;
}

interface Trial {
  sent: number;
  received: number;
  achievedPps: number;
  /** Receiver CPU time per metric received during the trial, in microseconds. */
  cpuUsPerMetric: number;
}

interface Search {
  /** Highest rate (packets/s) with zero loss, or 0 when even the first failed. */
  best: number;
  trials: number;
  /** The best rate came from a trial where the sender fell behind the rate asked for. */
  senderBound: boolean;
  /** Receiver CPU per metric in the trial that set `best` (µs). */
  cpuUsPerMetric: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Compiles the C sender, or falls back to the Node one. */
function prepareSender(tmpDir: string): { command: string; prefix: string[]; kind: string } {
  const source = join(tmpDir, 'sender.c');
  const binary = join(tmpDir, 'sender');
  writeFileSync(source, SENDER_C);
  try {
    execFileSync('cc', ['-O2', '-o', binary, source], { stdio: 'ignore' });
    return { command: binary, prefix: [], kind: 'C sendmmsg' };
  } catch {
    const script = join(tmpDir, 'sender.cjs');
    writeFileSync(script, SENDER_JS);
    return { command: process.execPath, prefix: [script], kind: 'Node dgram' };
  }
}

function runSender(
  sender: ReturnType<typeof prepareSender>,
  port: number,
  pps: number,
  seconds: number,
  mpp: number,
): Promise<{ metrics: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(sender.command, [...sender.prefix, String(port), String(pps), String(seconds), String(mpp)]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const [metrics, elapsed] = out.trim().split(' ').map(Number);
      if (code !== 0 || metrics === undefined || elapsed === undefined) reject(new Error(`sender exited ${code}`));
      else resolve({ metrics, seconds: elapsed });
    });
  });
}

async function trial(
  receiver: Receiver,
  sender: ReturnType<typeof prepareSender>,
  pps: number,
  seconds: number,
  mpp: number,
): Promise<Trial> {
  const before = await receiver.received();
  const cpuBefore = receiver.cpuSeconds();
  const sent = await runSender(sender, receiver.port, pps, seconds, mpp);
  // Drain: wait until everything sent has been counted, or the count stops moving.
  let received = (await receiver.received()) - before;
  for (let still = 0; received < sent.metrics && still < 4; ) {
    await sleep(60);
    const next = (await receiver.received()) - before;
    still = next === received ? still + 1 : 0;
    received = next;
  }
  const cpuUsPerMetric = ((receiver.cpuSeconds() - cpuBefore) * 1e6) / Math.max(received, 1);
  return {
    sent: sent.metrics,
    received,
    achievedPps: sent.metrics / mpp / Math.max(sent.seconds, 1e-9),
    cpuUsPerMetric,
  };
}

async function search(
  receiver: Receiver,
  sender: ReturnType<typeof prepareSender>,
  mpp: number,
  start: number,
  seconds: number,
  maxTrials: number,
): Promise<Search> {
  let good = 0;
  let bad = 0;
  let trials = 0;
  let senderBound = false;
  let slowInARow = 0;
  let cpuUsPerMetric = Number.NaN;
  let rate = start;
  // Up by 1.6x until a trial loses packets, then bisect.
  while (trials < maxTrials) {
    const result = await trial(receiver, sender, rate, seconds, mpp);
    trials++;
    // A sender that fell behind (other load on the machine) sent at a lower rate than asked:
    // credit the receiver with the rate actually sent, never with more.
    const slow = result.achievedPps < rate * 0.9;
    const held = slow ? Math.round(result.achievedPps) : rate;
    slowInARow = slow ? slowInARow + 1 : 0;
    if (result.received >= result.sent) {
      if (held > good) {
        good = held;
        senderBound = slow;
        cpuUsPerMetric = result.cpuUsPerMetric;
      }
    } else {
      bad = bad === 0 ? held : Math.min(bad, held);
    }
    // Twice in a row the sender could not go faster: the receiver's limit is out of reach.
    if (slowInARow >= 2 && (bad === 0 || good >= bad)) break;
    if (bad === 0 || good >= bad) rate = Math.round(Math.max(rate, held) * 1.6);
    else if (good === 0) rate = Math.round(bad / 2);
    else if (bad / good < 1.08) break;
    else rate = Math.round((good + bad) / 2);
    await sleep(100);
  }
  return { best: good, trials, senderBound, cpuUsPerMetric };
}

async function ourReceiver(recvBufferSize?: number, udpReceiver?: 'dgram'): Promise<Receiver> {
  const collector = createStatsdCollector({
    port: 0,
    ...(recvBufferSize === undefined ? {} : { recvBufferSize }),
    ...(udpReceiver === undefined ? {} : { udpReceiver }),
    onBatch: () => {},
  });
  await collector.start();
  return {
    name: 'trainscope',
    port: collector.address().udp?.port as number,
    received: async () => collector.stats().metrics,
    cpuSeconds: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
    close: () => collector.stop(),
  };
}

function mgmt(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (d: string) => {
      out += d;
      if (out.includes('END')) {
        socket.end();
        resolve(out);
      }
    });
    socket.on('error', reject);
  });
}

async function peerReceiver(tmpDir: string): Promise<Receiver> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('statsd/stats.js');
  const port = await freeUdpPort();
  const mgmtPort = await freePort();
  const config = join(tmpDir, 'statsd-config.js');
  // No backends (a blackhole), no flush during the benchmark, no per-message logging.
  writeFileSync(
    config,
    `{ port: ${port}, address: '127.0.0.1', mgmt_port: ${mgmtPort}, mgmt_address: '127.0.0.1',
       backends: [], flushInterval: 3600000, title: false }`,
  );
  const child: ChildProcess = spawn(process.execPath, [entry, config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const received = async () => {
    const text = await mgmt(mgmtPort, 'counters');
    const match = /'statsd\.metrics_received': (\d+)/.exec(text);
    if (!match) throw new Error(`unexpected statsd counters output: ${text.slice(0, 200)}`);
    return Number(match[1]);
  };
  for (let i = 0; ; i++) {
    try {
      await received();
      break;
    } catch (error) {
      if (i > 100) throw error;
      await sleep(100);
    }
  }
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return {
    name: 'etsy statsd',
    port,
    received,
    cpuSeconds: () => {
      // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime and stime in ticks.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticks;
    },
    close: async () => {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

function statsdVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve('statsd/package.json'), 'utf8')) as { version: string }).version;
}

export default {
  name: 'statsd',
  async run({ full, tmpDir }) {
    const sender = prepareSender(tmpDir);
    const seconds = full ? 3 : 1;
    const repeats = full ? 5 : 3;
    const maxTrials = full ? 24 : 12;
    const rmemDefault = Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8').trim()) || 212_992;
    const receivers: [string, () => Promise<Receiver>][] = [
      [`etsy statsd ${statsdVersion()} (baseline)`, () => peerReceiver(tmpDir)],
      ['trainscope', () => ourReceiver()],
    ];
    if (full) {
      // The kernel doubles SO_RCVBUF: half of rmem_default gives the peer's buffer size.
      receivers.push(['trainscope, default SO_RCVBUF', () => ourReceiver(Math.floor(rmemDefault / 2))]);
      receivers.push(['trainscope, dgram receiver', () => ourReceiver(undefined, 'dgram')]);
    }
    const rows: BenchRow[] = [];
    for (const { mpp, start } of [
      { mpp: 1, start: 8_000 },
      { mpp: 25, start: 2_000 },
    ]) {
      let baseline = Number.NaN;
      for (const [label, open] of receivers) {
        const receiver = await open();
        const bests: number[] = [];
        const cpu: number[] = [];
        let trials = 0;
        let senderBound = false;
        try {
          for (let r = 0; r < repeats; r++) {
            // Later repeats start a little below the last result, to spend trials near the edge.
            const from = r === 0 || bests[r - 1] === 0 ? start : Math.round((bests[r - 1] as number) * 0.6);
            const result = await search(receiver, sender, mpp, from, seconds, maxTrials);
            bests.push(result.best);
            if (!Number.isNaN(result.cpuUsPerMetric)) cpu.push(result.cpuUsPerMetric);
            trials += result.trials;
            senderBound ||= result.senderBound;
          }
        } finally {
          await receiver.close();
        }
        const best = median(bests);
        if (Number.isNaN(baseline)) baseline = best;
        rows.push({
          case: `${mpp}-metric packets: ${label}`,
          'zero-loss packets/s (median)': best,
          'metrics/s': best * mpp,
          'x baseline': best / baseline,
          'receiver CPU µs/metric': median(cpu),
          'runs (packets/s)': bests.map((b) => fmt(b)).join(' / '),
          trials,
          limit: senderBound ? 'sender' : 'receiver',
        });
      }
    }
    const single = rows[1] as BenchRow;
    const multi = rows[receivers.length + 1] as BenchRow;
    const ratio = single['x baseline'] as number;
    const rate = multi['metrics/s'] as number;
    return {
      rows,
      notes: [
        `sender: ${sender.kind} in its own process, ${seconds} s per trial at a fixed rate; a rate holds when every ` +
          `metric sent is counted; rates step up 1.6x until a loss, then bisect to 8%; ${repeats} searches per row, ` +
          'median quoted. Etsy statsd runs with no backends (a blackhole) and its statsd.metrics_received is read ' +
          'from its management port; trainscope runs as createStatsdCollector in the benchmark process. Loopback UDP; ' +
          'half the metrics are counters and half gauges, 100 names. A trial where the sender fell behind counts at the ' +
          'rate it actually sent; limit "sender" marks a row whose figure came from such a trial (a lower bound). ' +
          'Receiver CPU µs/metric: CPU time of the receiving process over the best trial (median over searches), ' +
          "from /proc for etsy statsd and process.cpuUsage() for trainscope (which includes the benchmark's own work); " +
          'less sensitive than rates to other load on the machine.',
        `target single-metric packets >= 3x etsy statsd: ${fmt(ratio)}x (${ratio >= 3 ? 'met' : 'missed'}); ` +
          `target 25-metric packets >= 1M metrics/s: ${fmt(rate)} (${rate >= 1e6 ? 'met' : 'missed'}).`,
      ],
    };
  },
} satisfies Benchmark;
