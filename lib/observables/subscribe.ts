/**
 * Subscribe: one gRPC server stream per subscriber, at the partition leader
 * (with `partition: 'all'`, one per partition of the stream, merged).
 * Drops the handshake, decodes and decompresses messages, completes at the
 * stop position, follows leader changes (resubscribing from the last offset
 * + 1), and maps terminal server states to typed errors.
 */
import {
  BehaviorSubject,
  catchError,
  concatWith,
  defer,
  EMPTY,
  filter,
  map,
  merge,
  NEVER,
  type Observable,
  of,
  switchMap,
  takeUntil,
  tap,
  throwError,
  timeout,
} from 'rxjs';
import {
  decompress,
  decompressesSynchronously,
  decompressSync,
  isCompressionMethod,
} from '../compression.js';
import { observeSubscription, resubscribed } from '../diagnostics.js';
import { ErrorCode, LiftbridgeError } from '../errors.js';
import { resolveInOrder } from '../internal/resolve-in-order.js';
import {
  type CallPhase,
  type DecodedMessage,
  endedAtStop,
  toInt64,
  type SubscribeRequest as WireSubscribe,
} from '../internal/wire.js';
import type { Logger } from '../logger.js';
import type { Message } from '../message.js';
import { type ClusterMetadata, leaderAddress, type StreamInfo } from '../metadata/metadata.js';
import {
  type PartitionSubscribePlan,
  planPartitions,
  planSubscribe,
  type SubscribeOptions,
} from '../plans/subscribe.js';
import { START_WIRE, STOP_WIRE } from '../positions.js';

export type { SubscribeOptions };

/** One broker's Subscribe call (BrokerConnection, or a fake in marble specs). */
export interface SubscribeTransport {
  /** `host:port` of the broker. */
  readonly address: string;
  /** While `paused` says true the call is not read (see BrokerConnection.subscribe). */
  subscribe(
    request: WireSubscribe,
    phase: () => CallPhase,
    paused?: Observable<boolean>,
  ): Observable<DecodedMessage>;
}

/** Leader routing (Cluster, or a fake in marble specs). */
export interface SubscribeRouting {
  readonly metadata: ClusterMetadata | undefined;
  /** The latest snapshot, then every refresh. */
  readonly metadataChanges: Observable<ClusterMetadata | undefined>;
  refreshMetadata(streams: readonly string[]): Observable<ClusterMetadata>;
  /** What `pick` finds in metadata, refreshed (for `streams`) when it finds nothing. */
  lookup<T>(
    streams: readonly string[],
    pick: (md: ClusterMetadata | undefined) => T | undefined,
  ): Observable<T | undefined>;
  leaderBound<T>(
    stream: string,
    partition: number,
    call: (conn: SubscribeTransport) => Observable<T>,
    options?: { anyIsr?: boolean; progressed?: () => boolean },
  ): Observable<T>;
}

export interface SubscribeContext {
  cluster: SubscribeRouting;
  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint>;
  encodingHeader: string;
  /** Largest decompressed value (bytes); a value past it is delivered as stored. */
  maxDecompressedBytes: number;
  /** Milliseconds to wait for the subscribe handshake before retrying. */
  setupTimeout: number;
  /**
   * Flow control (messages(), consume()): while this says true, every call
   * of the subscription stops reading its stream once its handshake has
   * come (HTTP/2 flow control then stops the server); false reads again.
   */
  paused?: Observable<boolean>;
  /** A partition's high watermark (reported to tracing tools for a lag gauge). */
  highWatermark?: (stream: string, partition: number) => Observable<bigint>;
  /** Where dropped duplicate offsets are reported (debug). */
  logger?: Logger | undefined;
}

export interface Plan {
  stream: string;
  partition: number;
  request: WireSubscribe;
  stopOffset: bigint | undefined;
  stops: boolean;
  cursorId: string | undefined;
  resumeFromCursor: boolean;
  readIsrReplica: boolean;
}

/** The wire form of a one-partition subscribe plan; what subscribePartition runs on. */
export function plan(p: PartitionSubscribePlan): Plan {
  const start = p.startPosition;
  const request: WireSubscribe = {
    stream: p.stream,
    partition: p.partition,
    startPosition: start === 'RESUME' ? START_WIRE.EARLIEST : START_WIRE[start],
    stopPosition: STOP_WIRE[p.stopPosition],
    readISRReplica: p.readIsrReplica,
    resume: p.resume,
  };
  if (p.startOffset !== undefined) request.startOffset = toInt64(p.startOffset);
  if (p.startTimestamp !== undefined) request.startTimestamp = toInt64(p.startTimestamp);
  if (p.stopOffset !== undefined) request.stopOffset = toInt64(p.stopOffset);
  if (p.stopTimestamp !== undefined) request.stopTimestamp = toInt64(p.stopTimestamp);
  return {
    stream: p.stream,
    partition: p.partition,
    request,
    stopOffset: p.stopOffset,
    stops: p.stopPosition !== 'ON_CANCEL',
    cursorId: p.cursorId,
    resumeFromCursor: start === 'RESUME',
    readIsrReplica: p.readIsrReplica,
  };
}

/** The last asynchronous decompression of a subscription (they run one at a time). */
export interface DecompressQueue {
  tail?: Promise<unknown>;
}

/**
 * Decompresses a message whose encoding header is `encoding`: the message
 * with its value decompressed and the header removed, or as stored when the
 * method is unknown, the bytes are bad, or the value decompresses past
 * `ctx.maxDecompressedBytes`. Asynchronous decompressions of one
 * subscription run one at a time (`queue` holds the last one), so a run of
 * large values holds at most one partial output.
 */
export function decodeCompressed(
  m: DecodedMessage,
  encoding: Uint8Array,
  ctx: Pick<SubscribeContext, 'encodingHeader' | 'maxDecompressedBytes'>,
  queue: DecompressQueue = {},
): Message | Promise<Message> {
  const method = Buffer.from(encoding).toString();
  if (!isCompressionMethod(method)) return m;
  const decoded = (value: Uint8Array) => {
    m.headers.delete(ctx.encodingHeader);
    m.value = value;
    return m;
  };
  const max = ctx.maxDecompressedBytes;
  if (decompressesSynchronously(method, m.value)) {
    try {
      return decoded(decompressSync(m.value, max));
    } catch {
      return m;
    }
  }
  const run = () => decompress(m.value, method, max).then(decoded, () => m);
  const next = queue.tail ? queue.tail.then(run) : run();
  queue.tail = next;
  return next;
}

/** A consumer-group member's claim on a partition (the server fences older epochs). */
export interface GroupClaim {
  groupId: string;
  consumerId: string;
  epoch: bigint;
}

/**
 * The cold Observable behind LiftbridgeClient.subscribe (and consumer
 * groups, with `claim`): one partition, or with `partition: 'all'` every
 * partition of the stream (from metadata, refreshed when the stream is
 * unknown; NOT_FOUND when it is still unknown), one subscription each,
 * merged: it completes when every partition has reached its stop.
 * Arguments are checked at the call site.
 */
export function subscribeMessages(
  ctx: SubscribeContext,
  stream: string,
  options: SubscribeOptions = {},
  claim?: GroupClaim,
): Observable<Message> {
  // A group claim is on one partition: consumer groups never ask for 'all'.
  const checked = planSubscribe(stream as string, options);
  if (checked.partition !== 'all') {
    return subscribePartition(ctx, { ...checked, partition: checked.partition }, claim);
  }
  return ctx.cluster
    .lookup([checked.stream], (md): StreamInfo | undefined => md?.streams.get(checked.stream))
    .pipe(
      switchMap((info) => {
        if (!info) throw new LiftbridgeError(ErrorCode.NotFound, `no stream "${checked.stream}"`);
        const each = planPartitions(checked, info.partitions.keys());
        return merge(...each.map((one) => subscribePartition(ctx, one, undefined)));
      }),
    );
}

/** One partition's subscription: see {@link subscribeMessages}. */
function subscribePartition(
  ctx: SubscribeContext,
  checked: PartitionSubscribePlan,
  claim: GroupClaim | undefined,
): Observable<Message> {
  const p = plan(checked);
  if (claim) {
    p.request.consumer = {
      groupId: claim.groupId,
      consumerId: claim.consumerId,
      groupEpoch: toInt64(claim.epoch),
    };
  }
  const hw = ctx.highWatermark;
  const watermark = hw ? () => hw(p.stream, p.partition) : undefined;
  return defer(() => {
    let last: bigint | undefined;
    let progressed = false;
    let calls = 0;
    // Compressed values are decompressed (small zlib values synchronously,
    // larger ones and lzma asynchronously, order kept). An undecodable value,
    // or one that decompresses past maxDecompressedBytes, is delivered as
    // stored, with its encoding header left in place.
    const decompressing: DecompressQueue = {};
    const decode = (m: DecodedMessage): Message | Promise<Message> => {
      const encoding = m.headers.get(ctx.encodingHeader);
      if (!encoding || encoding.byteLength === 0) return m;
      return decodeCompressed(m, encoding, ctx, decompressing);
    };
    const startRequest: Observable<WireSubscribe> = p.resumeFromCursor
      ? ctx.fetchCursor(p.stream, p.partition, p.cursorId as string).pipe(
          map((cursor) =>
            cursor < 0n
              ? { ...p.request, startPosition: START_WIRE.EARLIEST }
              : {
                  ...p.request,
                  startPosition: START_WIRE.OFFSET,
                  startOffset: toInt64(cursor + 1n),
                },
          ),
        )
      : of(p.request);
    const attempt = (base: WireSubscribe) =>
      ctx.cluster.leaderBound(
        p.stream,
        p.partition,
        (conn) =>
          defer(() => {
            calls += 1;
            if (calls > 1)
              resubscribed(p.stream, p.partition, last === undefined ? last : last + 1n, calls - 1);
            // After a break, pick up right after the last message delivered.
            const request =
              last === undefined
                ? base
                : { ...base, startPosition: START_WIRE.OFFSET, startOffset: toInt64(last + 1n) };
            let handshake = false;
            // A new call reads its handshake whatever the flow says (or it
            // would time out), then follows ctx.paused.
            const handshook = new BehaviorSubject(false);
            const gate = ctx.paused;
            const paused = gate
              ? handshook.pipe(switchMap((done) => (done ? gate : of(false))))
              : undefined;
            const phase = (): CallPhase => (handshake ? 'subscribe-stream' : 'subscribe-setup');
            // Metadata that shows the leader elsewhere ends this call (a frozen
            // or deposed leader may never end it itself): resubscribe there.
            let moved = false;
            const leaderMoved = p.readIsrReplica
              ? NEVER
              : ctx.cluster.metadataChanges.pipe(
                  filter((md) => {
                    const leader = leaderAddress(md, p.stream, p.partition);
                    return leader !== undefined && leader !== conn.address;
                  }),
                  tap(() => (moved = true)),
                );
            return conn.subscribe(request, phase, paused).pipe(
              takeUntil(leaderMoved),
              concatWith(
                defer(() => {
                  if (moved) {
                    return throwError(
                      () =>
                        new LiftbridgeError(
                          ErrorCode.NotLeader,
                          `the leader of ${p.stream}/${p.partition} moved away from ${conn.address}`,
                        ),
                    );
                  }
                  // Ended (status OK) before confirming the subscription: not
                  // a subscription that ran to its end, so it starts again.
                  if (!handshake) {
                    return throwError(
                      () =>
                        new LiftbridgeError(
                          ErrorCode.Unavailable,
                          `Subscribe at ${conn.address}: ended before the subscription was confirmed`,
                        ),
                    );
                  }
                  return EMPTY;
                }),
              ),
              // A broker that accepts the call but never confirms it (still
              // recovering, or frozen) must not hang the subscriber.
              timeout({
                first: ctx.setupTimeout,
                with: () =>
                  throwError(
                    () =>
                      new LiftbridgeError(
                        ErrorCode.Timeout,
                        `Subscribe: no handshake within ${ctx.setupTimeout} ms`,
                      ),
                  ),
              }),
              filter(() => {
                if (handshake) return true;
                handshake = true;
                handshook.next(true);
                return false;
              }),
            );
          }),
        {
          anyIsr: p.readIsrReplica,
          progressed: () => {
            const was = progressed;
            progressed = false;
            return was;
          },
        },
      );
    return startRequest.pipe(
      switchMap((base) => {
        if (p.stopOffset !== undefined && last !== undefined && last >= p.stopOffset) return EMPTY;
        return attempt(base);
      }),
      // After a resubscribe (at last + 1) a new leader whose high watermark
      // is still behind starts lower and sends messages again: each offset
      // is delivered once, in order.
      filter((raw) => {
        const offset = raw.offset;
        if (last !== undefined && offset <= last) {
          ctx.logger?.debug(
            `${p.stream}/${p.partition}: dropped duplicate offset ${offset} (delivered up to ${last})`,
          );
          return false;
        }
        last = offset;
        progressed = true;
        return true;
      }),
      map(decode),
      resolveInOrder(),
      // The stop position reached, or an empty range: a normal end.
      catchError((err: unknown) => (p.stops && endedAtStop(err) ? EMPTY : throwError(() => err))),
      observeSubscription(p.stream, p.partition, watermark),
    );
  });
}
