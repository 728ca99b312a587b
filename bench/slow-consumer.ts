/**
 * `npm run bench -- slow-consumer`: a backlog (1M x 256 B by default) read
 * by a consumer whose handler takes 1 ms per message, for 30 s, by
 * liftbridge-rx's flow-controlled forms (messages(), consume(), and
 * consumeGroup() with --modes group), by go-liftbridge's Subscribe, and by
 * subscribe().pipe(concatMap()) (consumerGroup().pipe(concatMap()): mode
 * groupconcat) for contrast (stopped once its RSS grew by --cap-mb). Each runs in its own
 * process; the figures are the messages handled and the peak RSS growth
 * over the RSS before subscribing. A benchmark, not a test: it prints
 * figures and writes bench/results/slow-consumer[-short].{md,json}.
 *
 *   npm run bench -- slow-consumer
 *   npm run bench -- slow-consumer --count 100000 --seconds 5   # smoke run
 *   npm run bench -- slow-consumer --modes messages,go
 *   npm run bench -- slow-consumer --modes group,groupconcat   # consumer groups
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom } from 'rxjs';
import { LiftbridgeClient } from '../lib/index.js';
import { goPeerBinary, runGoPeer } from '../scripts/testbed/go-peer.js';
import { GO_CLIENT_VERSION, LIFTBRIDGE_VERSION, projectRoot } from '../scripts/testbed/paths.js';
import { startServer } from '../scripts/testbed/server.js';
import type { SlowResult } from './peers/rx/slow-consumer.js';
import { runRxPeer } from './peers.js';

const DEFAULTS = { count: 1_000_000, seconds: 30 };
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: String(DEFAULTS.count) },
    seconds: { type: 'string', default: String(DEFAULTS.seconds) },
    size: { type: 'string', default: '256' },
    'handler-ms': { type: 'string', default: '1' },
    'cap-mb': { type: 'string', default: '1024' },
    modes: { type: 'string', default: 'messages,consume,go,concatmap' },
  },
});
const count = Number(values.count);
const seconds = Number(values.seconds);
const size = Number(values.size);
const handlerMs = values['handler-ms'] as string;
const capMb = values['cap-mb'] as string;
const modes = (values.modes as string).split(',');
const full = count === DEFAULTS.count && seconds === DEFAULTS.seconds && size === 256;

const LABELS: Record<string, string> = {
  messages: 'rx `for await (… of client.messages())`',
  consume: 'rx `client.consume(stream, handler)`',
  go: 'go-liftbridge `Subscribe` (handler on its reader goroutine)',
  concatmap: 'rx `subscribe().pipe(concatMap(handler))`',
  group: 'rx `client.consumeGroup(group, stream, handler)`',
  groupconcat: 'rx `consumerGroup().pipe(concatMap(handler))`',
};

async function runMode(mode: string, brokers: string, stream: string): Promise<SlowResult> {
  const flags = [
    '--brokers',
    brokers,
    '--stream',
    stream,
    '--seconds',
    String(seconds),
    '--handler-ms',
    handlerMs,
  ];
  const out =
    mode === 'go'
      ? await runGoPeer(['bench-slow', ...flags])
      : await runRxPeer(['bench-slow', ...flags, '--mode', mode, '--cap-mb', capMb]);
  return JSON.parse(out.trim().split('\n').pop() ?? '') as SlowResult;
}

function markdown(rows: SlowResult[], command: string): string {
  const lines = [
    `Slow consumer: a ${count.toLocaleString('en')} x ${size} B backlog, a ${handlerMs} ms handler, ${seconds} s (\`${command}\`, ${new Date().toISOString().slice(0, 10)}; ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB shared with the server; liftbridge ${LIFTBRIDGE_VERSION}, go-liftbridge ${GO_CLIENT_VERSION}).`,
    '',
    '| reader | messages handled | peak RSS growth (MB) | baseline RSS (MB) | note |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${LABELS[r.client === 'go' ? 'go' : r.mode] ?? r.mode} | ${r.messages} | ${r.rssGrowthMb} | ${r.baselineRssMb} | ${r.stoppedAtCap ? `stopped after ${r.seconds} s: RSS grew past ${capMb} MB` : ''} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

async function main() {
  if (modes.includes('go')) console.error(`go peer: ${goPeerBinary()}`);
  const server = await startServer();
  const admin = new LiftbridgeClient(server.brokers, { requestTimeout: 60_000 });
  const brokers = server.brokers.join(',');
  const rows: SlowResult[] = [];
  try {
    const stream = `bench-slow-${Math.random().toString(36).slice(2, 8)}`;
    await lastValueFrom(admin.createStream(stream, { waitForStream: true }));
    console.error(`filling ${stream} with ${count} x ${size} B ...`);
    await runGoPeer([
      'bench-pub',
      '--brokers',
      brokers,
      '--stream',
      stream,
      '--count',
      String(count),
      '--size',
      String(size),
      '--inflight',
      '1024',
    ]);
    for (const mode of modes) {
      const r = await runMode(mode, brokers, stream);
      rows.push(r);
      console.log(JSON.stringify(r));
    }
  } finally {
    await admin.close();
    await server.stop();
  }
  const command = `npm run bench -- slow-consumer${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  const md = markdown(rows, command);
  const dir = join(projectRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const name = full ? 'slow-consumer' : 'slow-consumer-short';
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ command, rows }, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), md);
  console.log(md);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
