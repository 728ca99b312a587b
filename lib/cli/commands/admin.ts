/** `create` and `delete`: stream administration. */
import { lastValueFrom } from 'rxjs';
import {
  type CreateStreamOptions,
  ErrorCode,
  isLiftbridgeError,
  LiftbridgeError,
} from '../../index.js';
import { flag, type OptionValues, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { toJson } from '../output.js';
import { parseDuration, parseInteger, parseOffset } from '../values.js';

/** CreateStreamOptions from the options of `create`. */
function createOptions(values: OptionValues): CreateStreamOptions {
  const options: CreateStreamOptions = {};
  const text = (name: string) => stringOption(values, name);
  const int = (name: string, min: number, max: number) => {
    const value = text(name);
    return value === undefined ? undefined : parseInteger(value, `--${name}`, min, max);
  };
  const duration = (name: string) => {
    const value = text(name);
    return value === undefined ? undefined : parseDuration(value, `--${name}`);
  };
  const bytes = (name: string) => {
    const value = text(name);
    return value === undefined ? undefined : parseOffset(value, `--${name}`, 1n);
  };
  const subject = text('subject');
  if (subject !== undefined) options.subject = subject;
  const group = text('group');
  if (group !== undefined) options.group = group;
  const partitions = int('partitions', 1, 4096);
  if (partitions !== undefined) options.partitions = partitions;
  const rf = text('replication-factor');
  if (rf !== undefined) {
    options.replicationFactor =
      rf === 'all' ? 'all' : parseInteger(rf, '--replication-factor', 1, 1000);
  }
  const minIsr = int('min-isr', 1, 1000);
  if (minIsr !== undefined) options.minIsr = minIsr;
  const retentionMaxAge = duration('retention-max-age');
  if (retentionMaxAge !== undefined) options.retentionMaxAge = retentionMaxAge;
  const retentionMaxBytes = bytes('retention-max-bytes');
  if (retentionMaxBytes !== undefined) options.retentionMaxBytes = retentionMaxBytes;
  const retentionMaxMessages = bytes('retention-max-messages');
  if (retentionMaxMessages !== undefined) options.retentionMaxMessages = retentionMaxMessages;
  const segmentMaxBytes = bytes('segment-max-bytes');
  if (segmentMaxBytes !== undefined) options.segmentMaxBytes = segmentMaxBytes;
  const segmentMaxAge = duration('segment-max-age');
  if (segmentMaxAge !== undefined) options.segmentMaxAge = segmentMaxAge;
  const autoPauseTime = duration('auto-pause-time');
  if (autoPauseTime !== undefined) options.autoPauseTime = autoPauseTime;
  if (flag(values, 'compact')) options.compactEnabled = true;
  if (flag(values, 'optimistic-concurrency')) options.optimisticConcurrencyControl = true;
  if (flag(values, 'encryption')) options.encryption = true;
  return options;
}

/** `liftbridge-rx create <stream>`. */
export const createCommand: Command = {
  name: 'create',
  usage: 'create <stream>',
  summary: 'create a stream (and wait until every partition has a leader)',
  details: [
    "Unset settings take the server's defaults. Exit code 4 when the stream",
    'exists already (0 with --if-not-exists).',
  ],
  options: {
    subject: {
      type: 'string',
      value: 'SUBJECT',
      help: 'NATS subject the stream consumes (default: the stream name)',
    },
    partitions: { type: 'string', value: 'N', help: 'number of partitions (default 1)' },
    'replication-factor': {
      type: 'string',
      value: 'N|all',
      help: 'replicas per partition (default 1; all: every broker)',
    },
    group: {
      type: 'string',
      value: 'NAME',
      help: 'load-balance group: streams of a group share the subject',
    },
    'min-isr': {
      type: 'string',
      value: 'N',
      help: 'replicas that must have a message before it is committed',
    },
    'retention-max-age': {
      type: 'string',
      value: 'DURATION',
      help: 'delete messages older than this',
    },
    'retention-max-bytes': {
      type: 'string',
      value: 'N',
      help: 'keep at most this many bytes per partition',
    },
    'retention-max-messages': {
      type: 'string',
      value: 'N',
      help: 'keep at most this many messages per partition',
    },
    'segment-max-bytes': { type: 'string', value: 'N', help: 'roll log segments at this size' },
    'segment-max-age': { type: 'string', value: 'DURATION', help: 'roll log segments at this age' },
    'auto-pause-time': {
      type: 'string',
      value: 'DURATION',
      help: 'pause partitions idle this long',
    },
    compact: { type: 'boolean', help: 'enable log compaction (keep the newest message per key)' },
    'optimistic-concurrency': { type: 'boolean', help: 'enable optimistic concurrency control' },
    encryption: {
      type: 'boolean',
      help: 'encrypt at rest (the server needs LIFTBRIDGE_ENCRYPTION_KEY)',
    },
    'if-not-exists': { type: 'boolean', help: 'succeed when the stream exists already' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const stream = positionals[0] as string;
    const options = createOptions(values);
    const partitions = options.partitions ?? 1;
    try {
      await lastValueFrom(ctx.client.createStream(stream, options));
    } catch (err) {
      if (!isLiftbridgeError(err, ErrorCode.StreamExists)) throw err;
      if (!flag(values, 'if-not-exists')) {
        throw new LiftbridgeError(
          ErrorCode.StreamExists,
          `stream '${stream}' already exists (pass --if-not-exists to accept that, or delete it first: liftbridge-rx delete ${stream})`,
          { cause: err },
        );
      }
      if (ctx.json) ctx.out.write(`${toJson({ stream, created: false })}\n`);
      else ctx.out.write(`stream ${stream} exists already\n`);
      return ExitCode.Ok;
    }
    if (ctx.json) ctx.out.write(`${toJson({ stream, created: true, partitions })}\n`);
    else
      ctx.out.write(
        `created stream ${stream} (${partitions} partition${partitions === 1 ? '' : 's'})\n`,
      );
    return ExitCode.Ok;
  },
};

/** `liftbridge-rx delete <stream>`. */
export const deleteCommand: Command = {
  name: 'delete',
  usage: 'delete <stream>',
  summary: 'delete a stream and its messages',
  details: ['Exit code 3 when there is no such stream (0 with --if-exists).'],
  options: {
    'if-exists': { type: 'boolean', help: 'succeed when there is no such stream' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const stream = positionals[0] as string;
    try {
      await lastValueFrom(ctx.client.deleteStream(stream), { defaultValue: undefined });
    } catch (err) {
      if (!isLiftbridgeError(err, ErrorCode.NotFound)) throw err;
      if (!flag(values, 'if-exists')) {
        throw new LiftbridgeError(
          ErrorCode.NotFound,
          `stream '${stream}' not found (nothing to delete)`,
          {
            cause: err,
          },
        );
      }
      if (ctx.json) ctx.out.write(`${toJson({ stream, deleted: false })}\n`);
      else ctx.out.write(`stream ${stream} does not exist\n`);
      return ExitCode.Ok;
    }
    if (ctx.json) ctx.out.write(`${toJson({ stream, deleted: true })}\n`);
    else ctx.out.write(`deleted stream ${stream}\n`);
    return ExitCode.Ok;
  },
};
