/**
 * LiftbridgeServer: a Nest microservice transport (CustomTransportStrategy).
 * Each @EventPattern / @MessagePattern pattern is a stream; its handler gets
 * the stream's messages one at a time per partition, and the offset is
 * committed (a cursor, or the consumer group's checkpoint) only after the
 * handler's result completes: at-least-once.
 */
import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { type MessageHandler, Server, type WritePacket } from '@nestjs/microservices';
import {
  catchError,
  concatMap,
  concatWith,
  defer,
  EMPTY,
  ignoreElements,
  lastValueFrom,
  map,
  mergeMap,
  type Observable,
  of,
  type Subscription,
  tap,
  throwError,
} from 'rxjs';
import {
  type AutoOffset,
  checkStreamName,
  ErrorCode,
  groupCursorId,
  handleMessage,
  type LiftbridgeClient,
  LiftbridgeError,
  type Message,
  StartPosition,
  type SubscribeOptions,
} from '../index.js';
import {
  checkDuration,
  checkId,
  checkIndex,
  checkInt64,
  closedError,
  invalidArgument,
} from './checks.js';
import {
  bigintSafe,
  decodeMessage,
  encodeData,
  headerText,
  REPLY_TO_HEADER,
  REQUEST_ID_HEADER,
} from './codec.js';
import { type Connection, connect, type LiftbridgeConnection } from './connection.js';
import { LiftbridgeContext } from './context.js';

/** The transport id of {@link LiftbridgeServer}: `@EventPattern('orders', LIFTBRIDGE_TRANSPORT)` binds a handler to it alone. */
export const LIFTBRIDGE_TRANSPORT: unique symbol = Symbol('LIFTBRIDGE_TRANSPORT');

/**
 * How a handler consumes its stream. Give them to the server (defaults for
 * every handler) or as a handler's extras:
 * `@EventPattern('orders', { cursorId: 'billing' } satisfies LiftbridgeHandlerOptions)`.
 * A handler that sets `cursorId` or `group` replaces the server's choice of both.
 */
export interface LiftbridgeHandlerOptions {
  /**
   * Cursor mode: start one past the offset stored in this cursor (the
   * beginning when there is none) and store each message's offset in it
   * once its handler completed. Default none.
   */
  cursorId?: string;
  /**
   * Consumer-group mode: join this group (partitions shared among members)
   * and checkpoint each message once its handler completed. Default none.
   */
  group?: string;
  /** Group mode: this member's id; default a random UUID. */
  consumerId?: string;
  /** Group mode: where a partition without a checkpoint starts; default 'earliest'. */
  autoOffset?: AutoOffset;
  /** Group mode: ms between assignment fetches; default 40% of the server's consumer timeout. */
  fetchAssignmentsInterval?: number;
  /** Partitions to read (not in group mode); default every partition of the stream. */
  partitions?: number[];
  /**
   * Without cursor or group: where to start; default NEW_ONLY, counted from
   * listen(): every message published after listen() resolved is handled.
   */
  startPosition?: StartPosition;
  /** With startPosition OFFSET: the first offset. */
  startOffset?: bigint | number;
  /** With startPosition TIMESTAMP: nanoseconds since the epoch. */
  startTimestamp?: bigint | number;
  /**
   * When an event handler fails (throws, rejects, or its Observable errors):
   * `'stop'` (default) logs it, commits nothing and stops reading that
   * partition, so a restart resumes at the failed message; `'skip'` logs it
   * and goes on (a later commit passes over it).
   */
  onError?: 'stop' | 'skip';
}

/**
 * Options of {@link LiftbridgeServer}: a shared client or brokers (see
 * {@link LiftbridgeConnection}), defaults for every handler, and `decode`.
 */
export type LiftbridgeServerOptions = LiftbridgeConnection &
  LiftbridgeHandlerOptions & {
    /** Turns a message into the handler's data; default {@link decodeMessage} (JSON or UTF-8 text). */
    decode?: (message: Message) => unknown;
  };

/** A stored offset: a cursor, or a consumer group's checkpoint. */
export interface LiftbridgeCommit {
  /** Stream of the message. */
  readonly stream: string;
  /** Partition of the message. */
  readonly partition: number;
  /** The offset of the message whose handler completed. */
  readonly offset: bigint;
  /** The cursor written (`groupCursorId(group)` in group mode). */
  readonly cursorId: string;
  /** The consumer group, in group mode. */
  readonly group: string | undefined;
}

/** Events of {@link LiftbridgeServer}, for `server.on(event, callback)`. */
export type LiftbridgeServerEvents = {
  /** An offset was stored after its handler completed. */
  commit: (commit: LiftbridgeCommit) => void;
  /** A handler, a subscription or a commit failed (also logged). */
  error: (error: unknown, message: Message | undefined) => void;
};

/** Status of {@link LiftbridgeServer}: 'connected' once listening, 'disconnected' once closed. */
export type LiftbridgeServerStatus = 'connected' | 'disconnected';

const HANDLER_KEYS = [
  'cursorId',
  'group',
  'consumerId',
  'autoOffset',
  'fetchAssignmentsInterval',
  'partitions',
  'startPosition',
  'startOffset',
  'startTimestamp',
  'onError',
  'decode',
] as const;

type Mode =
  | { type: 'cursor'; cursorId: string }
  | {
      type: 'group';
      group: string;
      consumerId: string | undefined;
      autoOffset: AutoOffset;
      fetchAssignmentsInterval: number | undefined;
    }
  | { type: 'plain' };

interface Plan {
  stream: string;
  handler: MessageHandler;
  isEvent: boolean;
  mode: Mode;
  partitions: number[] | undefined;
  start: SubscribeOptions;
  fromListen: boolean;
  onError: 'stop' | 'skip';
}

/** Marks the error that stops a partition (already reported). */
class Stopped extends Error {
  constructor(
    readonly stream: string,
    readonly partition: number,
    readonly offset: bigint,
  ) {
    super(`stopped reading ${stream}/${partition} at offset ${offset}`);
  }
}

const pick = <T>(own: T | undefined, fallback: T | undefined): T | undefined =>
  own === undefined ? fallback : own;

/** An error as JSON can carry it (Error instances stringify to `{}`). */
function wireError(err: unknown): unknown {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { status: 'error', message: err.message, ...(code === undefined ? {} : { code }) };
  }
  return err ?? { status: 'error', message: 'unknown error' };
}

/**
 * A Nest microservice transport over Liftbridge: `@EventPattern('orders')`
 * consumes stream `orders`; each message's offset is committed once the
 * handler's result (value, Promise or Observable) completes.
 * `@MessagePattern('sums')` answers requests a {@link LiftbridgeClientProxy}
 * sends: replies go to the reply stream the request names.
 *
 * @example
 * ```ts
 * app.connectMicroservice({
 *   strategy: new LiftbridgeServer({ client: app.get(LiftbridgeClient), cursorId: 'billing' }),
 * });
 * await app.startAllMicroservices();
 * ```
 */
export class LiftbridgeServer extends Server<LiftbridgeServerEvents, LiftbridgeServerStatus> {
  override transportId = LIFTBRIDGE_TRANSPORT;
  /** This transport observes handler failures itself (logs them, and does not commit). */
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(LiftbridgeServer.name);
  private readonly connection: Connection;
  private readonly defaults: LiftbridgeHandlerOptions;
  private readonly decode: (message: Message) => unknown;
  private readonly events = new EventEmitter();
  private subscriptions: Subscription[] = [];
  private closed = false;

  /**
   * @param options see {@link LiftbridgeServerOptions}.
   * @throws LiftbridgeError INVALID_ARGUMENT naming a bad option.
   */
  constructor(options: LiftbridgeServerOptions) {
    super();
    if (options === null || typeof options !== 'object')
      throw invalidArgument('options', 'expected { client } or { brokers, ...clientOptions }');
    const { decode, ...rest } = options;
    if (decode !== undefined && typeof decode !== 'function')
      throw invalidArgument('options.decode', 'expected a function');
    this.decode = decode ?? decodeMessage;
    this.defaults = rest;
    // Fail at once on bad defaults (a stream name is all a plan lacks here).
    this.plan('options', undefined, {}, true);
    this.connection = connect(options, HANDLER_KEYS);
    // An 'error' event without a listener must not throw.
    this.events.on('error', () => undefined);
  }

  /** Registers a listener for `commit` or `error` events. */
  on<K extends keyof LiftbridgeServerEvents>(event: K, callback: LiftbridgeServerEvents[K]): void {
    this.events.on(event, callback);
  }

  /** The LiftbridgeClient. */
  unwrap<T>(): T {
    return this.connection.client as T;
  }

  /**
   * Starts reading: checks every pattern's stream exists (NOT_FOUND
   * otherwise, failing the microservice's start), then subscribes.
   */
  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      if (this.closed) throw closedError();
      const plans = [...this.messageHandlers].map(([pattern, handler]) =>
        this.plan(pattern, handler, handler.extras ?? {}, handler.isEventHandler === true),
      );
      const client = this.connection.client;
      const streams = [...new Set(plans.map((p) => p.stream))];
      const metadata =
        streams.length > 0 ? await lastValueFrom(client.fetchMetadata(streams)) : undefined;
      const starts: Array<() => Subscription> = [];
      for (const plan of plans) {
        const info = metadata?.streams.get(plan.stream);
        if (!info) {
          throw new LiftbridgeError(
            ErrorCode.NotFound,
            `no stream "${plan.stream}" for @${plan.isEvent ? 'EventPattern' : 'MessagePattern'}('${plan.stream}')`,
          );
        }
        if (plan.mode.type === 'group') {
          starts.push(() => this.consumeGroup(client, plan));
          continue;
        }
        const partitions = plan.partitions ?? [...info.partitions.keys()].sort((a, b) => a - b);
        for (const partition of partitions) {
          if (!info.partitions.has(partition))
            throw invalidArgument(
              'partitions',
              `stream "${plan.stream}" has no partition ${partition}`,
            );
          const options = await this.startOf(client, plan, partition);
          starts.push(() => this.consumePartition(client, plan, partition, options));
        }
      }
      if (this.closed) throw closedError();
      for (const start of starts) this.subscriptions.push(start());
      this._status$.next('connected');
      callback();
    } catch (err) {
      for (const s of this.subscriptions) s.unsubscribe();
      this.subscriptions = [];
      callback(err);
    }
  }

  /**
   * Unsubscribes everything (a message whose handler is still running is
   * not committed, so it is handled again after a restart) and closes the
   * client if the server made it. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    if (this.connection.owned) await this.connection.client.close();
    this._status$.next('disconnected');
    this.events.removeAllListeners();
    this.events.on('error', () => undefined);
  }

  /** Merges server defaults and a handler's extras into a validated plan. */
  private plan(
    pattern: unknown,
    handler: MessageHandler | undefined,
    extras: Record<string, unknown>,
    isEvent: boolean,
  ): Plan {
    const where = handler ? `handler of "${String(pattern)}"` : 'options';
    if (typeof pattern !== 'string')
      throw invalidArgument(where, 'a pattern must be a stream name (a string)');
    const stream = handler ? checkStreamName(pattern, `pattern "${pattern}"`) : pattern;
    const own = extras as LiftbridgeHandlerOptions;
    const d = this.defaults;
    const ownsMode = own.cursorId !== undefined || own.group !== undefined;
    const cursorId = ownsMode ? own.cursorId : d.cursorId;
    const group = ownsMode ? own.group : d.group;
    if (cursorId !== undefined && group !== undefined)
      throw invalidArgument(where, 'give cursorId or group, not both');
    let mode: Mode = { type: 'plain' };
    if (cursorId !== undefined)
      mode = { type: 'cursor', cursorId: checkId(cursorId, `${where}: cursorId`) };
    if (group !== undefined) {
      const consumerId = pick(own.consumerId, d.consumerId);
      const autoOffset = pick(own.autoOffset, d.autoOffset) ?? 'earliest';
      const every = pick(own.fetchAssignmentsInterval, d.fetchAssignmentsInterval);
      const fetchInterval =
        every === undefined
          ? undefined
          : checkDuration(every, `${where}: fetchAssignmentsInterval`);
      if (fetchInterval === 0)
        throw invalidArgument(`${where}: fetchAssignmentsInterval`, 'must be above 0');
      if (!['earliest', 'latest', 'newOnly', 'none'].includes(autoOffset))
        throw invalidArgument(`${where}: autoOffset`, `unknown value ${String(autoOffset)}`);
      mode = {
        type: 'group',
        group: checkId(group, `${where}: group`),
        consumerId:
          consumerId === undefined ? undefined : checkId(consumerId, `${where}: consumerId`),
        autoOffset,
        fetchAssignmentsInterval: fetchInterval,
      };
    }
    const partitions = pick(own.partitions, d.partitions);
    if (partitions !== undefined) {
      if (mode.type === 'group')
        throw invalidArgument(`${where}: partitions`, 'the consumer group assigns partitions');
      if (!Array.isArray(partitions) || partitions.length === 0)
        throw invalidArgument(`${where}: partitions`, 'expected a non-empty array of partitions');
      for (const [i, p] of partitions.entries()) checkIndex(p, `${where}: partitions[${i}]`);
    }
    const startPosition = pick(own.startPosition, d.startPosition) ?? StartPosition.NEW_ONLY;
    if (!(startPosition in StartPosition) || startPosition === StartPosition.RESUME)
      throw invalidArgument(
        `${where}: startPosition`,
        `unsupported value ${String(startPosition)} (use cursorId to resume)`,
      );
    const start: SubscribeOptions = { startPosition };
    const startOffset = pick(own.startOffset, d.startOffset);
    const startTimestamp = pick(own.startTimestamp, d.startTimestamp);
    if (startOffset !== undefined)
      start.startOffset = checkInt64(startOffset, `${where}: startOffset`, 0n);
    if (startTimestamp !== undefined)
      start.startTimestamp = checkInt64(startTimestamp, `${where}: startTimestamp`, 0n);
    const onError = pick(own.onError, d.onError) ?? 'stop';
    if (onError !== 'stop' && onError !== 'skip')
      throw invalidArgument(`${where}: onError`, "expected 'stop' or 'skip'");
    return {
      stream,
      handler: handler ?? (async () => undefined),
      isEvent,
      mode,
      partitions: partitions === undefined ? undefined : [...new Set(partitions)],
      start,
      fromListen: mode.type === 'plain' && startPosition === StartPosition.NEW_ONLY,
      onError,
    };
  }

  /** Subscribe options of one partition (cursor or plain mode). */
  private async startOf(
    client: LiftbridgeClient,
    plan: Plan,
    partition: number,
  ): Promise<SubscribeOptions> {
    if (plan.mode.type === 'cursor')
      return { partition, startPosition: StartPosition.RESUME, cursorId: plan.mode.cursorId };
    if (!plan.fromListen) return { ...plan.start, partition };
    // NEW_ONLY counted from now, by offset: no race with the subscribe handshake.
    const info = await lastValueFrom(client.fetchPartitionMetadata(plan.stream, partition));
    return { partition, startPosition: StartPosition.OFFSET, startOffset: info.newestOffset + 1n };
  }

  private consumePartition(
    client: LiftbridgeClient,
    plan: Plan,
    partition: number,
    options: SubscribeOptions,
  ): Subscription {
    const mode = plan.mode;
    const commit =
      mode.type === 'cursor'
        ? (m: Message) => this.commit(client, m, mode.cursorId, undefined)
        : undefined;
    return client
      .subscribe(plan.stream, options)
      .pipe(concatMap((m) => this.process(plan, m, commit)))
      .subscribe({ error: (err: unknown) => this.ended(plan, partition, err) });
  }

  private consumeGroup(client: LiftbridgeClient, plan: Plan): Subscription {
    if (plan.mode.type !== 'group') throw new Error('not a group plan');
    const { group, consumerId, autoOffset, fetchAssignmentsInterval } = plan.mode;
    const cursorId = groupCursorId(group);
    const commit = (m: Message) => this.commit(client, m, cursorId, group);
    return client
      .consumerGroupPartitions(group, plan.stream, {
        autoCheckpoint: 0,
        autoOffset,
        ...(consumerId === undefined ? {} : { consumerId }),
        ...(fetchAssignmentsInterval === undefined ? {} : { fetchAssignmentsInterval }),
      })
      .pipe(
        mergeMap((assigned) => {
          // Messages still queued when the partition moves to another member are theirs now.
          let revoked = false;
          return assigned.pipe(
            tap({ complete: () => (revoked = true) }),
            concatMap((m) => (revoked ? EMPTY : this.process(plan, m, commit))),
            catchError((err: unknown) => {
              this.ended(plan, assigned.partition, err);
              return EMPTY;
            }),
          );
        }),
      )
      .subscribe({ error: (err: unknown) => this.ended(plan, undefined, err) });
  }

  /** Handles one message, then commits it (when the mode commits); per onError on failure. */
  private process(
    plan: Plan,
    message: Message,
    commit: ((m: Message) => Observable<never>) | undefined,
  ): Observable<never> {
    return defer(() => this.handle(plan, message)).pipe(
      catchError((err: unknown) => {
        this.report(
          err,
          message,
          `handler of ${message.stream}/${message.partition} failed at offset ${message.offset} (not committed${plan.onError === 'stop' ? '; this partition stops' : ''})`,
        );
        return plan.onError === 'skip'
          ? EMPTY
          : throwError(() => new Stopped(message.stream, message.partition, message.offset));
      }),
      concatMap(() => (commit ? commit(message) : EMPTY)),
    );
  }

  /** Runs the handler and waits for its result to complete; replies for a request. */
  private async handle(plan: Plan, message: Message): Promise<void> {
    const ctx = new LiftbridgeContext([message]);
    // handleMessage: inside the message's consumer span when tracing (liftbridge-rx/otel).
    const handler = () => plan.handler(this.decode(message), ctx);
    const result$ = defer(async () => handleMessage(message, handler)).pipe(
      mergeMap((result) => this.transformToObservable(result)),
    );
    // Events never reply: their headers are not even decoded.
    const replyTo = plan.isEvent ? undefined : headerText(message, REPLY_TO_HEADER);
    const requestId = replyTo === undefined ? undefined : headerText(message, REQUEST_ID_HEADER);
    if (replyTo === undefined || requestId === undefined) {
      await lastValueFrom(result$, { defaultValue: undefined });
      return;
    }
    // A failed request is answered with its error: it counts as handled.
    const packets$: Observable<WritePacket> = result$.pipe(
      map((response: unknown): WritePacket => ({ response })),
      concatWith(of<WritePacket>({ isDisposed: true })),
      catchError((err: unknown) => of<WritePacket>({ err: wireError(err), isDisposed: true })),
    );
    const client = this.connection.client;
    await lastValueFrom(
      packets$.pipe(
        concatMap((packet) => {
          const { value, headers } = encodeData(packet);
          return client.publish(value, {
            stream: replyTo,
            headers: { ...headers, [REQUEST_ID_HEADER]: requestId },
          });
        }),
      ),
      { defaultValue: undefined },
    );
  }

  /** Stores the offset of a handled message; a failed commit is reported, never fatal. */
  private commit(
    client: LiftbridgeClient,
    message: Message,
    cursorId: string,
    group: string | undefined,
  ): Observable<never> {
    const { stream, partition, offset } = message;
    return client.setCursor(stream, partition, cursorId, offset).pipe(
      tap(() => this.events.emit('commit', { stream, partition, offset, cursorId, group })),
      catchError((err: unknown) => {
        this.report(err, message, `commit of ${stream}/${partition} offset ${offset} failed`);
        return EMPTY;
      }),
      ignoreElements(),
    );
  }

  /** A partition's (or a group's) reading ended with an error. */
  private ended(plan: Plan, partition: number | undefined, err: unknown): void {
    if (err instanceof Stopped) {
      this.logger.error(
        `${err.message}: nothing after it is handled until a restart (onError 'stop')`,
      );
      return;
    }
    if (this.closed) return;
    const where = partition === undefined ? plan.stream : `${plan.stream}/${partition}`;
    this.report(err, undefined, `reading ${where} ended`);
  }

  private report(err: unknown, message: Message | undefined, what: string): void {
    const detail = err instanceof Error ? err.message : JSON.stringify(err, bigintSafe);
    this.logger.error(`${what}: ${detail}`);
    this.events.emit('error', err, message);
  }
}
