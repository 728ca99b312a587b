/**
 * `npm run bench -- ab`: an A/B of bulk publishing (bench-pub), or with
 * `--workload sub` of a catch-up read (bench-sub of one stream filled
 * once by the Go peer), or with `--workload unary` of unary round trips
 * one at a time (bench-unary: FetchMetadata and FetchPartitionMetadata
 * alternately, median and p99 latency; rx peers only), on one node,
 * the peers taking turns round by round, in reverse order every other
 * round, so the machine's drift between minutes hits each alike. Peers: `go`, `rx` (this checkout),
 * `floor` (bare node:http2 writing and reading the same bytes, bench-pub
 * and bench-sub only: what rx costs above HTTP/2 itself) and, with
 * `--base DIR`, `base` (the rx peer built in another checkout, e.g. a
 * `git worktree` of the commit before a change, after `npm run build &&
 * npm run compile` there). Prints each run and the medians, with the
 * server's CPU per 100K messages read from /proc.
 *
 *   npm run bench -- ab --rounds 3 --count 100000 --size 256 --inflight 256
 *   npm run bench -- ab --peers go,base,rx --base ../before
 *   npm run bench -- ab --workload sub --count 500000 --base ../before
 *   npm run bench -- ab --workload unary --count 2000 --rounds 5 --base ../before
 *   npm run bench -- ab --pinned --base ../before   # server on core 1, peers on core 0
 *   npm run bench -- ab --ids named   # rx peers name each correlation id (go ignores --ids)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom } from 'rxjs';
import { LiftbridgeClient } from '../lib/index.js';
import { startServer } from '../scripts/testbed/server.js';
import { pinnedCores, runPeer } from './peers.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'ab'),
  options: {
    rounds: { type: 'string', default: '3' },
    count: { type: 'string', default: '100000' },
    size: { type: 'string', default: '256' },
    inflight: { type: 'string', default: '256' },
    workload: { type: 'string', default: 'pub' },
    peers: { type: 'string' },
    base: { type: 'string' },
    pinned: { type: 'boolean', default: false },
    ids: { type: 'string', default: 'client' },
  },
});
const count = Number(values.count);
const workload = values.workload === 'sub' || values.workload === 'unary' ? values.workload : 'pub';
const base = values.base === undefined ? undefined : resolve(values.base);
const defaultPeers = workload === 'unary' ? ['base', 'rx'] : ['go', 'base', 'rx'];
const peers = (
  values.peers ?? defaultPeers.filter((p) => p !== 'base' || base !== undefined).join(',')
).split(',');
if (peers.includes('base') && !base) throw new Error('--base DIR is needed for the base peer');

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const cores = values.pinned ? pinnedCores() : undefined;
const server = await startServer(cores ? { cpus: cores.server } : {});
const admin = new LiftbridgeClient(server.brokers);
const pid = server.node?.pid;
type Row = { msgs: number; cpu: number; server: number; p50: number; p99: number };
const rows = new Map<string, Row[]>();
const pubFlags = (stream: string, peer: string) => ({
  brokers: server.brokers.join(','),
  stream,
  count,
  size: Number(values.size),
  inflight: Number(values.inflight),
  // The Go and floor peers have no such flag (Go's ids are go-liftbridge's own).
  ...(values.ids === 'named' && (peer === 'rx' || peer === 'base') ? { ids: 'named' } : {}),
  warmup: Math.min(5_000, Math.round(count / 10)),
});
// The catch-up read: one stream of `count` messages, read by every peer in
// turn; the unary round trips: one stream, asked about by every peer.
const filled = workload === 'pub' ? '' : `ab-${workload}-${Date.now()}`;
try {
  if (filled) {
    await lastValueFrom(admin.createStream(filled, { waitForStream: true }));
    if (workload === 'sub')
      await runPeer('go', 'bench-pub', { ...pubFlags(filled, 'go'), warmup: 0 });
  }
  for (let round = 1; round <= Number(values.rounds); round++) {
    // Every other round in reverse order (A B, B A, ...): going first or
    // second (a warmer server, a busier machine) counts for each alike.
    for (const peer of round % 2 === 1 ? peers : [...peers].reverse()) {
      const stream = filled || `ab-${peer}-${round}-${Date.now()}`;
      if (!filled) await lastValueFrom(admin.createStream(stream, { waitForStream: true }));
      const before = pid ? cpuSeconds(pid) : 0;
      const brokers = server.brokers.join(',');
      const r = await runPeer(
        peer === 'go' || peer === 'floor' ? peer : 'rx',
        `bench-${workload}`,
        workload === 'pub'
          ? pubFlags(stream, peer)
          : workload === 'sub'
            ? { brokers, stream, count }
            : { brokers, stream, count, warmup: Math.min(200, Math.round(count / 10)) },
        peer === 'base' ? base : undefined,
        cores?.client,
      );
      const row: Row = {
        msgs: r.msgsPerSec,
        cpu: (r.cpuSeconds * 100_000) / count,
        server: pid ? ((cpuSeconds(pid) - before) * 100_000) / count : NaN,
        p50: r.latencyP50Ms ?? NaN,
        p99: r.latencyP99Ms ?? NaN,
      };
      rows.set(peer, [...(rows.get(peer) ?? []), row]);
      const latency = workload === 'pub' ? '' : ` p50 ${row.p50} ms, p99 ${row.p99} ms,`;
      console.log(
        `round ${round} ${peer}: ${row.msgs} ${workload === 'unary' ? 'calls' : 'msgs'}/s,${latency} client CPU ${row.cpu.toFixed(2)} s/100K, server CPU ${row.server.toFixed(2)} s/100K (incl. warm-up)`,
      );
      if (!filled) await lastValueFrom(admin.deleteStream(stream), { defaultValue: undefined });
    }
  }
} finally {
  await admin.close();
  await server.stop();
}
const unit = workload === 'unary' ? 'calls/s | p50 ms | p99 ms' : 'msgs/s';
const cols = workload === 'unary' ? '---|---|---' : '---';
console.log(`\n| peer | ${unit} | client CPU s/100K | server CPU s/100K |\n|---|${cols}|---|---|`);
for (const [peer, rs] of rows) {
  const m = (k: keyof Row) => median(rs.map((x) => x[k]));
  const rate = workload === 'unary' ? `${m('msgs')} | ${m('p50')} | ${m('p99')}` : `${m('msgs')}`;
  console.log(`| ${peer} | ${rate} | ${m('cpu').toFixed(2)} | ${m('server').toFixed(2)} |`);
}
