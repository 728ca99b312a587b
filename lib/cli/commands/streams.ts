/** `streams` and `metadata`: what the cluster holds, from FetchMetadata. */
import { lastValueFrom } from 'rxjs';
import type { BrokerInfo, ClusterMetadata, StreamInfo } from '../../index.js';
import { flag } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { isoTime, table, toJson } from '../output.js';
import { streamNotFound } from './checks.js';

/** A stream as `--json` prints it. */
function streamJson(info: StreamInfo, metadata: ClusterMetadata) {
  return {
    name: info.name,
    subject: info.subject,
    created: isoTime(info.creationTimestamp),
    partitions: [...info.partitions.values()]
      .sort((a, b) => a.id - b.id)
      .map((p) => ({
        id: p.id,
        leader: p.leader ?? null,
        leaderAddress: (p.leader && metadata.brokers.get(p.leader)?.address) ?? null,
        replicas: p.replicas,
        isr: p.isr,
        paused: p.paused,
        readonly: p.readonly,
      })),
  };
}

function brokerJson(b: BrokerInfo) {
  return {
    id: b.id,
    address: b.address,
    host: b.host,
    port: b.port,
    partitions: b.partitionCount,
    leaders: b.leaderCount,
  };
}

const byName = (a: StreamInfo, b: StreamInfo) => a.name.localeCompare(b.name);

/** `liftbridge-rx streams [stream...]`: streams with partitions, leaders and ISR. */
export const streamsCommand: Command = {
  name: 'streams',
  usage: 'streams [stream...]',
  summary: 'list streams with their partitions, leaders and in-sync replicas',
  details: [
    "One row per partition. Without names, every stream except the server's own",
    '(names starting with "__"; --all shows them). Brokers are named by id: see',
    "'liftbridge-rx metadata' for their addresses.",
  ],
  options: {
    all: { type: 'boolean', help: "include the server's own streams (__cursors, __activity)" },
  },
  positionals: { min: 0, max: Number.POSITIVE_INFINITY },
  async run(ctx, { positionals, values }) {
    const metadata = await lastValueFrom(ctx.client.fetchMetadata([...positionals]));
    const missing = positionals.find((name) => !metadata.streams.has(name));
    if (missing !== undefined) throw streamNotFound(missing);
    const streams = [...metadata.streams.values()]
      .filter((s) => positionals.length > 0 || flag(values, 'all') || !s.name.startsWith('__'))
      .sort(byName);
    if (ctx.json) {
      ctx.out.write(`${toJson(streams.map((s) => streamJson(s, metadata)))}\n`);
      return ExitCode.Ok;
    }
    if (streams.length === 0) {
      ctx.note('no streams (create one with: liftbridge-rx create NAME)');
      return ExitCode.Ok;
    }
    const rows = [['STREAM', 'PARTITION', 'LEADER', 'ISR', 'REPLICAS', 'SUBJECT']];
    for (const s of streams) {
      for (const p of [...s.partitions.values()].sort((a, b) => a.id - b.id)) {
        const state = p.paused ? ' (paused)' : p.readonly ? ' (readonly)' : '';
        rows.push([
          s.name,
          `${p.id}${state}`,
          p.leader ?? '-',
          p.isr.join(',') || '-',
          p.replicas.join(',') || '-',
          s.subject,
        ]);
      }
    }
    ctx.out.write(table(rows));
    return ExitCode.Ok;
  },
};

/** `liftbridge-rx metadata`: brokers and streams. */
export const metadataCommand: Command = {
  name: 'metadata',
  usage: 'metadata',
  summary: 'brokers (id, address, partitions, leaders) and streams of the cluster',
  details: [
    'With --json, one object: { brokers: [...], streams: [...] } (streams as in streams --json).',
  ],
  options: {},
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const metadata = await lastValueFrom(ctx.client.fetchMetadata());
    const brokers = [...metadata.brokers.values()].sort((a, b) => a.id.localeCompare(b.id));
    const streams = [...metadata.streams.values()].sort(byName);
    if (ctx.json) {
      ctx.out.write(
        `${toJson({
          brokers: brokers.map(brokerJson),
          streams: streams.map((s) => streamJson(s, metadata)),
        })}\n`,
      );
      return ExitCode.Ok;
    }
    const brokerRows = [['BROKER', 'ADDRESS', 'PARTITIONS', 'LEADERS']];
    for (const b of brokers) {
      brokerRows.push([b.id, b.address, String(b.partitionCount), String(b.leaderCount)]);
    }
    const streamRows = [['STREAM', 'SUBJECT', 'PARTITIONS', 'CREATED']];
    for (const s of streams) {
      streamRows.push([s.name, s.subject, String(s.partitions.size), isoTime(s.creationTimestamp)]);
    }
    ctx.out.write(`${table(brokerRows)}\n${table(streamRows)}`);
    return ExitCode.Ok;
  },
};
