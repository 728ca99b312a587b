/**
 * `npm run bench`: one single-node server (RF 1), the same workloads with
 * liftbridge-rx, go-liftbridge and gufo-liftbridge in turn (round by round),
 * the median of RUNS runs each, written to bench/results/.
 *
 *   npm run bench                 # everything (~15 min on 2 cores)
 *   npm run bench -- --quick      # small counts, one run: a smoke test
 *   npm run bench -- --clients rx,go --workloads pub-bulk,sub
 *   npm run bench -- --modes pinned   # only the pinned mode
 *   npm run bench -- --clients rx,go --workloads pub-bulk,sub --out pinned  # bench/results/pinned.md
 *
 * Two modes, reported beside each other: `shared` (server and clients on
 * all cores, as the machine comes) and `pinned` (the server `taskset` to
 * core 1, each client to core 0, as on machines of their own; Go's
 * GOMAXPROCS follows the affinity, so 1). Sharing the cores hides a
 * client's CPU per message, because the server is the wall there; pinned
 * rows are named `<workload> (pinned)` and cover bulk publishing at
 * windows 64, 256 and 1024 and the catch-up read, rx and go only.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom } from 'rxjs';
import { LiftbridgeClient } from '../lib/index.js';
import { goPeerBinary } from '../scripts/testbed/go-peer.js';
import { gufoPython } from '../scripts/testbed/gufo-peer.js';
import { GO_CLIENT_VERSION, LIFTBRIDGE_VERSION, projectRoot } from '../scripts/testbed/paths.js';
import { startServer } from '../scripts/testbed/server.js';
import type { Result } from './peers/rx/measure.js';
import { CLIENTS, type ClientName, pinnedCores, runPeer } from './peers.js';
import { markdown, type Row, ratios, sizeChart, summarize } from './report.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    workloads: { type: 'string' },
    runs: { type: 'string' },
    modes: { type: 'string', default: 'shared,pinned' },
    /** Results go to bench/results/<out>.{json,md,svg}; default latest (latest-quick with --quick). */
    out: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const RUNS = Number(values.runs ?? (quick ? 1 : 3));
const clients = (values.clients?.split(',') ?? CLIENTS) as ClientName[];
const scale = quick ? 0.05 : 1;
const n = (count: number) => Math.max(100, Math.round(count * scale));
/** Gufo is ~10x slower: smaller counts keep the run short; rates stay comparable. */
const gufoShare = 0.2;

const SIZES = [
  { label: '16 B', size: 16, count: 100_000 },
  { label: '1 KiB', size: 1024, count: 50_000 },
  { label: '16 KiB', size: 16 * 1024, count: 5_000 },
  { label: '512 KiB', size: 512 * 1024, count: 300 },
];

interface Workload {
  name: string;
  clients: ClientName[];
  run(client: ClientName, brokers: string, stream: string, cpus?: string): Promise<Result>;
  /** Fills the stream before the runs (sub reads one stream, filled once). */
  shared?: (brokers: string, stream: string) => Promise<void>;
}

/** The workloads the pinned mode runs (rx and go only). */
const PINNED = ['pub-bulk-64', 'pub-bulk', 'pub-bulk-1024', 'sub'];

const count = (client: ClientName, base: number) => n(client === 'gufo' ? base * gufoShare : base);

const workloads: Workload[] = [
  ...[64, 256, 1024].map(
    (inflight): Workload => ({
      name: inflight === 256 ? 'pub-bulk' : `pub-bulk-${inflight}`,
      clients: ['rx', 'go', 'gufo'],
      run: (c, brokers, stream, cpus) =>
        runPeer(
          c,
          'bench-pub',
          {
            brokers,
            stream,
            count: count(c, 200_000),
            size: 256,
            inflight,
            warmup: count(c, 5_000),
          },
          undefined,
          cpus,
        ),
    }),
  ),
  {
    // Gufo's plain publish does not wait for acks: nothing to compare.
    name: 'pub-sync',
    clients: ['rx', 'go'],
    run: (c, brokers, stream) =>
      runPeer(c, 'bench-sync', { brokers, stream, count: n(20_000), size: 256, warmup: n(1_000) }),
  },
  {
    name: 'sub',
    clients: ['rx', 'go', 'gufo'],
    shared: async (brokers, stream) => {
      await runPeer('go', 'bench-pub', {
        brokers,
        stream,
        count: n(1_000_000),
        size: 256,
        inflight: 1024,
        warmup: 0,
      });
    },
    run: (c, brokers, stream, cpus) =>
      runPeer(c, 'bench-sub', { brokers, stream, count: count(c, 1_000_000) }, undefined, cpus),
  },
  ...SIZES.map(
    (s): Workload => ({
      name: `size-${s.label.replace(' ', '')}`,
      clients: ['rx', 'go', 'gufo'],
      run: (c, brokers, stream) =>
        runPeer(c, 'bench-pub', {
          brokers,
          stream,
          count: count(c, s.count),
          size: s.size,
          inflight: 256,
          // As long a warm-up as pub-bulk's (5000) where 64 MiB allows:
          // a JIT client compiles in the background, on the clock, until warm.
          warmup: count(c, Math.max(s.count / 20, Math.min(5_000, Math.floor(2 ** 26 / s.size)))),
        }),
    }),
  ),
  {
    name: 'memory',
    clients: ['rx'],
    run: (c, brokers, stream) =>
      runPeer(c, 'bench-mem', { brokers, stream, count: n(1_000_000), size: 256, inflight: 256 }),
  },
];

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  } catch {
    return 'unknown';
  }
}

/** Every chosen workload on a fresh server: shared cores, or pinned to `cores`. */
async function runMode(
  chosen: Workload[],
  names: ClientName[],
  cores?: { server: string; client: string },
): Promise<Row[]> {
  const server = await startServer(cores ? { cpus: cores.server } : {});
  const admin = new LiftbridgeClient(server.brokers, { requestTimeout: 60_000 });
  const brokers = server.brokers.join(',');
  const mode = cores ? 'pinned' : 'shared';
  const rows: Row[] = [];
  const fresh = async (name: string) => {
    const stream = `bench-${name}-${Math.random().toString(36).slice(2, 8)}`;
    await lastValueFrom(admin.createStream(stream, { waitForStream: true }));
    return stream;
  };
  try {
    for (const w of chosen) {
      const shared = w.shared ? await fresh(w.name) : undefined;
      if (shared && w.shared) await w.shared(brokers, shared);
      // Round by round (rx, go, gufo, then again): the machine's speed
      // drifts over minutes, and interleaving spreads the drift over all
      // clients instead of handing each client its own stretch of time.
      const runners = w.clients.filter((x) => names.includes(x));
      const results = new Map<ClientName, Result[]>(runners.map((c) => [c, []]));
      for (let i = 0; i < RUNS; i++) {
        for (const c of runners) {
          const stream = shared ?? (await fresh(w.name));
          const result = await w.run(c, brokers, stream, cores?.client);
          results.get(c)?.push(result);
          if (!shared) await lastValueFrom(admin.deleteStream(stream), { defaultValue: undefined });
          console.error(
            `${w.name} (${mode}) ${c} run ${i + 1}: ${result.msgsPerSec} msgs/s, ${result.cpuSeconds} CPU s`,
          );
        }
      }
      for (const c of runners) {
        const row = summarize(w.name, c, results.get(c) ?? []);
        rows.push(row);
        console.log(JSON.stringify({ mode, ...row }));
      }
      if (shared) await lastValueFrom(admin.deleteStream(shared), { defaultValue: undefined });
    }
  } finally {
    await admin.close();
    await server.stop();
  }
  return rows;
}

async function main() {
  const only = values.workloads?.split(',');
  const modes = (values.modes ?? 'shared,pinned').split(',');
  const chosen = workloads.filter((w) => !only || only.includes(w.name));
  if (clients.includes('go')) console.error(`go peer: ${goPeerBinary()}`);
  if (clients.includes('gufo') && modes.includes('shared'))
    console.error(`gufo venv: ${gufoPython()}`);
  const rows: Row[] = [];
  if (modes.includes('shared')) rows.push(...(await runMode(chosen, clients)));
  if (modes.includes('pinned')) {
    const cores = pinnedCores();
    const pinnedRows = await runMode(
      chosen.filter((w) => PINNED.includes(w.name)),
      clients.filter((c) => c !== 'gufo'),
      cores,
    );
    rows.push(...pinnedRows.map((r) => ({ ...r, workload: `${r.workload} (pinned)` })));
  }
  const meta = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB (shared: client and server share it; pinned: server on core 1, each client on core 0 with taskset)`,
    server: `liftbridge ${LIFTBRIDGE_VERSION}, one node, RF 1`,
    clients: `liftbridge-rx (${version('git', ['rev-parse', '--short', 'HEAD'])}, ${process.version}), go-liftbridge ${GO_CLIENT_VERSION} (${version('go', ['version'])}), gufo-liftbridge 0.2.0`,
    runs: `median of ${RUNS}; Gufo runs ${gufoShare * 100}% of the message counts (it is ~10x slower; rates stay comparable)`,
  };
  const dir = join(projectRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const outName = values.out ?? (quick ? 'latest-quick' : 'latest');
  writeFileSync(
    join(dir, `${outName}.json`),
    `${JSON.stringify({ meta, rows, ratios: ratios(rows) }, null, 2)}\n`,
  );
  writeFileSync(join(dir, `${outName}.md`), markdown(rows, meta));
  // The size chart only when the sizes ran.
  if (rows.some((r) => r.workload.startsWith('size-')))
    writeFileSync(
      join(
        dir,
        outName.startsWith('latest')
          ? `throughput-by-size${outName.slice('latest'.length)}.svg`
          : `${outName}-throughput-by-size.svg`,
      ),
      sizeChart(
        rows,
        SIZES.map((s) => ({ label: s.label, workload: `size-${s.label.replace(' ', '')}` })),
      ),
    );
  console.log(markdown(rows, meta));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
