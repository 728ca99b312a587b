/**
 * `publish`: the values given, or stdin lines, through publishBulkFrom (a
 * window of unacknowledged requests; the next line is read only when the
 * window has room, so any input size streams through bounded memory).
 */
import { lastValueFrom, tap } from 'rxjs';
import {
  AckPolicy,
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_BULK_CONCURRENCY,
  isLiftbridgeError,
  LiftbridgeError,
  PublishBulkError,
  type PublishOptions,
  type PublishRequest,
  publishBulkFrom,
} from '../../index.js';
import { flag, listOption, stringOption } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { lines } from '../lines.js';
import { toJson } from '../output.js';
import { Progress, type PublishCounts, progressMode } from '../progress.js';
import { parseAckPolicy, parseDuration, parseHeader, parseInteger } from '../values.js';
import { requireStream } from './checks.js';

const PARTITIONERS = { key: 'key', 'round-robin': 'roundRobin' } as const;

async function* fromArguments(values: readonly string[], signal: AbortSignal) {
  for (const value of values) {
    if (signal.aborted) return;
    yield Buffer.from(value);
  }
}

/** `liftbridge-rx publish <stream> [value...]`. */
export const publishCommand: Command = {
  name: 'publish',
  usage: 'publish <stream> [value...]',
  summary: 'publish the values given, or each line of stdin when none are given',
  details: [
    'Each value is one message; without values each stdin line is one (a final',
    'line without newline counts, a \\r before the newline is dropped, blank lines',
    'are empty messages). Prints how many were acknowledged. A progress line',
    'shows on stderr when it is a terminal (or with --progress).',
    'Ctrl-C stops reading, waits for the acks of what was sent, prints the',
    'count and exits with 130; a second Ctrl-C exits at once. The client is',
    'drained at the end: publishes under way settle before it closes.',
  ],
  options: {
    key: { type: 'string', value: 'KEY', help: 'message key of every message' },
    'key-separator': {
      type: 'string',
      value: 'SEP',
      help: 'each value is KEY<SEP>VALUE (split at the first SEP; no SEP: no key)',
    },
    header: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      help: 'a header of every message (repeatable)',
    },
    partition: { type: 'string', value: 'N', help: 'partition to publish to (default 0)' },
    partitioner: {
      type: 'string',
      value: 'key|round-robin',
      help: 'choose the partition per message: by key hash, or in turn',
    },
    'ack-policy': {
      type: 'string',
      value: 'leader|all|none',
      help: 'leader (default): the leader stored it; all: every in-sync replica; none: no ack',
    },
    'ack-timeout': {
      type: 'string',
      value: 'DURATION',
      help: `how long to wait for each ack (default ${DEFAULT_ACK_TIMEOUT_MS / 1000}s)`,
    },
    window: {
      type: 'string',
      value: 'N',
      help: `most messages sent and not yet acknowledged (default ${DEFAULT_BULK_CONCURRENCY})`,
    },
    progress: { type: 'boolean', help: 'show progress on stderr even when it is not a terminal' },
    'no-progress': { type: 'boolean', help: 'never show progress' },
  },
  positionals: { min: 1, max: Number.POSITIVE_INFINITY },
  async run(ctx, { positionals, values }) {
    const [stream, ...given] = positionals as [string, ...string[]];
    const usage = (message: string) => new UsageError(message, 'publish');
    const partitionText = stringOption(values, 'partition');
    const partitionerText = stringOption(values, 'partitioner');
    if (partitionText !== undefined && partitionerText !== undefined) {
      throw usage('give --partition or --partitioner, not both');
    }
    let partitioner: 'key' | 'roundRobin' | undefined;
    if (partitionerText !== undefined) {
      partitioner = PARTITIONERS[partitionerText as keyof typeof PARTITIONERS];
      if (!partitioner)
        throw usage(`--partitioner: expected key or round-robin, got "${partitionerText}"`);
    }
    const partition =
      partitionText === undefined ? undefined : parseInteger(partitionText, '--partition');
    const ackPolicyText = stringOption(values, 'ack-policy');
    const ackPolicy =
      ackPolicyText === undefined ? AckPolicy.LEADER : parseAckPolicy(ackPolicyText);
    const ackTimeoutText = stringOption(values, 'ack-timeout');
    const ackTimeout =
      ackTimeoutText === undefined ? undefined : parseDuration(ackTimeoutText, '--ack-timeout');
    const windowText = stringOption(values, 'window');
    const window =
      windowText === undefined
        ? DEFAULT_BULK_CONCURRENCY
        : parseInteger(windowText, '--window', 1, 65_536);
    const headers = new Map(listOption(values, 'header').map(parseHeader));
    const fixedKey = stringOption(values, 'key');
    const separator = stringOption(values, 'key-separator');
    if (fixedKey !== undefined && separator !== undefined) {
      throw usage('give --key or --key-separator, not both');
    }
    if (separator === '') throw usage('--key-separator: expected a non-empty separator');
    const sep = separator === undefined ? undefined : Buffer.from(separator);

    await requireStream(ctx.client, stream, partition);

    const base: PublishOptions = { stream, ackPolicy };
    if (partition !== undefined) base.partition = partition;
    if (partitioner !== undefined) base.partitioner = partitioner;
    if (headers.size > 0) base.headers = headers;
    if (fixedKey !== undefined) base.key = fixedKey;

    const counts: PublishCounts = {
      read: 0,
      acked: 0,
      inFlight: 0,
      bytes: 0,
      totalBytes: undefined,
    };
    const stop = new AbortController();
    const onInterrupt = () => stop.abort();
    ctx.interrupted.addEventListener('abort', onInterrupt, { once: true });

    let input: AsyncIterable<Uint8Array>;
    if (given.length > 0) input = fromArguments(given, stop.signal);
    else {
      const stdin = ctx.io.stdin();
      if (stdin.isTTY)
        ctx.note('reading messages from the terminal, one per line; end with Ctrl-D');
      counts.totalBytes = stdin.size;
      input = lines(stdin, { signal: stop.signal });
    }
    const client = ctx.client;
    async function* requests(): AsyncGenerator<PublishRequest> {
      for await (const line of input) {
        counts.read += 1;
        counts.bytes += line.byteLength + 1;
        let options = base;
        let value = line;
        if (sep) {
          const at = Buffer.from(line.buffer, line.byteOffset, line.byteLength).indexOf(sep);
          if (at >= 0) {
            options = { ...base, key: line.subarray(0, at) };
            value = line.subarray(at + sep.byteLength);
          }
        }
        yield client.getPublishRequest(value, options);
      }
    }

    const mode =
      given.length > 0
        ? 'off'
        : progressMode(ctx.io.stderr, {
            progress: flag(values, 'progress'),
            noProgress: flag(values, 'no-progress'),
          });
    const progress = new Progress(ctx.io.stderr, mode, () => ({
      ...counts,
      inFlight: client.publishesInFlight,
    }));
    let failure: unknown;
    try {
      await lastValueFrom(
        publishBulkFrom(client, requests(), {
          concurrency: window,
          ...(ackTimeout === undefined ? {} : { ackTimeout }),
        }).pipe(
          tap(() => {
            counts.acked += 1;
          }),
        ),
        { defaultValue: undefined },
      );
    } catch (err) {
      failure = err;
    } finally {
      // What is still in flight (a failed bulk stops waiting for the rest,
      // an input error ends it) settles before the client closes: drain,
      // not close, so no ack under way is cut off.
      await client.drain();
      progress.stop();
      ctx.interrupted.removeEventListener('abort', onInterrupt);
    }

    const failed = failure instanceof PublishBulkError ? failure.failures.length : 0;
    if (failure !== undefined && !(failure instanceof PublishBulkError)) throw failure;
    const interrupted = stop.signal.aborted;
    const confirmed = ackPolicy === AckPolicy.NONE ? counts.read - failed : counts.acked;
    if (ctx.json) {
      ctx.out.write(
        `${toJson({
          stream,
          read: counts.read,
          [ackPolicy === AckPolicy.NONE ? 'sent' : 'acked']: confirmed,
          failed,
          interrupted,
        })}\n`,
      );
    } else {
      const verb = ackPolicy === AckPolicy.NONE ? 'sent' : 'acked';
      const of = confirmed === counts.read ? '' : ` of ${counts.read}`;
      const extra = [
        failed > 0 ? `${failed} failed` : '',
        interrupted ? 'interrupted' : '',
        ackPolicy === AckPolicy.NONE ? 'ack policy none: not acknowledged' : '',
      ].filter(Boolean);
      ctx.out.write(
        `${verb} ${confirmed}${of} message${counts.read === 1 ? '' : 's'} to stream ${stream}${extra.length ? ` (${extra.join(', ')})` : ''}\n`,
      );
    }
    if (failure instanceof PublishBulkError) {
      const first = failure.failures[0]?.error;
      if (!isLiftbridgeError(first)) throw failure;
      throw new LiftbridgeError(
        first.code,
        `${failed} message(s) failed; the first: ${first.message}`,
        {
          cause: failure,
        },
      );
    }
    return interrupted ? ExitCode.Interrupted : ExitCode.Ok;
  },
};
