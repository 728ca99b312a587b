/**
 * LiftbridgeServer: a Nest microservice transport (CustomTransportStrategy).
 * Each @EventPattern / @MessagePattern pattern is a stream; its handler gets
 * the stream's messages one at a time per partition, read with flow control
 * (client.consume(), client.consumeGroup(): at most `prefetch` received and
 * not yet handled), and the offset is committed (a cursor, or the consumer
 * group's checkpoint) only after the handler's result completes: at-least-once.
 */
import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type {
  ConsumerDeserializer,
  ConsumerSerializer,
  MessageHandler,
  OutgoingResponse,
  WritePacket,
} from '@nestjs/microservices';
import {
  catchError,
  concatMap,
  concatWith,
  defer,
  finalize,
  firstValueFrom,
  from,
  lastValueFrom,
  map,
  mergeMap,
  NEVER,
  type Observable,
  of,
  race,
  retry,
  Subject,
  type Subscription,
  tap,
  throwError,
  timer,
} from 'rxjs';
import {
  closedError,
  DEFAULT_DRAIN_TIMEOUT_MS,
  groupCursorId,
  handleMessage,
  invalidArgument,
  type LiftbridgeClientApi,
  type Message,
  planDrain,
  StartPosition,
  type StreamInfo,
  type SubscribeOptions,
} from '../index.js';
import { bigintSafe, encodeData, headerText, REPLY_TO_HEADER, REQUEST_ID_HEADER } from './codec.js';
import { type Connection, connect, type LiftbridgeConnection } from './connection.js';
import { type LiftbridgeCommitFn, LiftbridgeContext } from './context.js';
import { LiftbridgeDeserializer } from './deserializer.js';
import { inLanes } from './lanes.js';
import { microservices } from './peers.js';
import { HANDLER_KEYS, type LiftbridgeHandlerOptions, type Plan, planHandler } from './plan.js';
import { type Processor, processUnit, type RunHandler, Stopped, type Store } from './process.js';
import { awaitStream, lookUpStream } from './streams.js';

/** First delay before reading a partition again after a failure (ms); it doubles up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/** What a read is of, for log lines: the stream (group mode) or one partition. */
const where = (plan: Plan, partition: number | undefined) =>
  partition === undefined ? plan.stream : `${plan.stream}/${partition}`;

/** The transport id of {@link LiftbridgeServer}: `@EventPattern<string>('orders', LIFTBRIDGE_TRANSPORT)` binds a handler to it alone. */
export const LIFTBRIDGE_TRANSPORT: unique symbol = Symbol('LIFTBRIDGE_TRANSPORT');

/**
 * Options of {@link LiftbridgeServer}: a shared client or brokers (see
 * {@link LiftbridgeConnection}), defaults for every handler, and Nest's `deserializer` and `serializer`.
 */
export type LiftbridgeServerOptions = LiftbridgeConnection &
  LiftbridgeHandlerOptions & {
    /**
     * Turns a {@link Message} into Nest's incoming packet `{ pattern, data }`
     * (Nest's `Deserializer` interface); default {@link LiftbridgeDeserializer}
     * (JSON when the value is valid JSON, else UTF-8 text). The raw message
     * stays on the context.
     */
    deserializer?: ConsumerDeserializer;
    /** Turns a `@MessagePattern` handler's reply packet into what is published; default as it is. */
    serializer?: ConsumerSerializer;
    /**
     * How long close() (Nest's app.close()) waits for the handlers in
     * flight to finish and commit before it stops them (ms, above 0); a
     * client the transport made (`brokers`) drains with it too.
     * @defaultValue 10000 (`DEFAULT_DRAIN_TIMEOUT_MS`)
     */
    drainTimeout?: number;
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

/** An error as JSON can carry it (Error instances stringify to `{}`). */
function wireError(err: unknown): unknown {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { status: 'error', message: err.message, ...(code === undefined ? {} : { code }) };
  }
  return err ?? { status: 'error', message: 'unknown error' };
}

/**
 * A Nest microservice transport over Liftbridge:
 * `@EventPattern<string>('orders', options)` consumes stream `orders`; each
 * message's offset is committed once the handler's result (value, Promise
 * or Observable) completes (or by the handler, `commit: 'manual'`), with
 * batches and dead letters as {@link LiftbridgeHandlerOptions} say. A
 * stream that does not exist yet is waited for (or created,
 * `createStreams`). `@MessagePattern('sums')` answers requests a
 * {@link LiftbridgeClientProxy} sends: replies go to the reply stream the
 * request names.
 *
 * @example
 * ```ts
 * app.connectMicroservice({
 *   strategy: new LiftbridgeServer({ client: app.get(LiftbridgeClient), cursorId: 'billing' }),
 * });
 * await app.startAllMicroservices();
 * ```
 */
export class LiftbridgeServer extends microservices.Server<
  LiftbridgeServerEvents,
  LiftbridgeServerStatus
> {
  override transportId = LIFTBRIDGE_TRANSPORT;
  /** This transport observes handler failures itself (logs them, and does not commit). */
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(LiftbridgeServer.name);
  private readonly connection: Connection;
  private readonly defaults: LiftbridgeHandlerOptions;
  private readonly events = new EventEmitter();
  private subscriptions: Subscription[] = [];
  private closed = false;
  private readonly processor: Processor;
  private readonly drainTimeout: number;
  /** Units whose handler (and commit) is under way. */
  private inFlight = 0;
  /** Emits when the last unit in flight ends. */
  private readonly idle = new Subject<void>();

  /**
   * @param options see {@link LiftbridgeServerOptions}.
   * @throws LiftbridgeError INVALID_ARGUMENT naming a bad option.
   */
  constructor(options: LiftbridgeServerOptions) {
    super();
    if (options === null || typeof options !== 'object')
      throw invalidArgument('options', 'expected { client } or { brokers, ...clientOptions }');
    const { deserializer, serializer, drainTimeout, ...rest } = options;
    // Checked as client.drain() checks its timeout (INVALID_ARGUMENT).
    this.drainTimeout = planDrain(
      drainTimeout === undefined ? undefined : { timeout: drainTimeout },
      DEFAULT_DRAIN_TIMEOUT_MS,
    );
    for (const [name, value, method] of [
      ['deserializer', deserializer, 'deserialize'],
      ['serializer', serializer, 'serialize'],
    ] as const) {
      if (
        value !== undefined &&
        typeof (value as unknown as Record<string, unknown>)[method] !== 'function'
      )
        throw invalidArgument(`options.${name}`, `expected an object with ${method}()`);
    }
    this.initializeDeserializer({ deserializer: deserializer ?? new LiftbridgeDeserializer() });
    this.initializeSerializer(serializer === undefined ? {} : { serializer });
    this.defaults = rest;
    // Fail at once on bad defaults (a stream name is all a plan lacks here).
    planHandler(this.defaults, undefined, {}, true);
    this.connection = connect(options, [...HANDLER_KEYS, 'deserializer', 'serializer']);
    this.processor = {
      client: this.connection.client,
      report: (err, message, what) => this.report(err, message, what),
    };
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
   * Starts reading. A pattern whose stream exists (or is created, with
   * `createStreams`) is subscribed before this resolves; one that does not
   * is waited for in the background (a warning says so), so a hybrid
   * application that creates it in `onModuleInit` works. Bad handler
   * options fail the start (INVALID_ARGUMENT).
   */
  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      if (this.closed) throw closedError();
      const plans = [...this.messageHandlers].map(([pattern, handler]) =>
        this.plan(pattern, handler),
      );
      for (const { plan } of plans) this.warnNewOnly(plan);
      for (const { plan, handler } of plans) {
        const info = await lastValueFrom(lookUpStream(this.connection.client, plan));
        if (this.closed) throw closedError();
        if (info) {
          this.subscriptions.push(...(await this.start(plan, handler, info)));
          continue;
        }
        this.subscriptions.push(
          awaitStream(this.connection.client, plan, this.logger)
            .pipe(concatMap((found) => from(this.start(plan, handler, found))))
            .subscribe({
              next: (subs) => {
                if (this.closed) for (const s of subs) s.unsubscribe();
                else this.subscriptions.push(...subs);
              },
              error: (err: unknown) => this.ended(plan, undefined, err),
            }),
        );
      }
      if (this.closed) throw closedError();
      this._status$.next('connected');
      callback();
    } catch (err) {
      for (const s of this.subscriptions) s.unsubscribe();
      this.subscriptions = [];
      callback(err);
    }
  }

  /**
   * Drains the transport (Nest calls it on app.close()): no handler starts
   * after it (messages received and not yet handled are not committed, so
   * they are read again after a restart); the handlers in flight finish and
   * commit (cursor or group checkpoint), waited for at most `drainTimeout`
   * ms (what is still running then is stopped, uncommitted); then every
   * subscription ends (a group member leaves) and a client the transport
   * made is drained (`client.drain()`: its publishes under way settle, then
   * it closes). A shared client is left to its owner (LiftbridgeModule
   * drains it after the transports closed). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight > 0)
      await firstValueFrom(race(this.idle, timer(this.drainTimeout)), {
        defaultValue: undefined,
      });
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    if (this.connection.owned) await this.connection.client.drain();
    this._status$.next('disconnected');
    this.events.removeAllListeners();
    this.events.on('error', () => undefined);
  }

  /** A handler's validated plan. */
  private plan(pattern: unknown, handler: MessageHandler): { plan: Plan; handler: MessageHandler } {
    const isEvent = handler.isEventHandler === true;
    return { plan: planHandler(this.defaults, pattern, handler.extras ?? {}, isEvent), handler };
  }

  /** Says loudly that a handler without cursor or group misses what was published while the app was down. */
  private warnNewOnly(plan: Plan): void {
    if (!plan.fromListen) return;
    this.logger.warn(
      `${plan.label} reads new messages only (NEW_ONLY): messages published while this app is not running are never handled. Set cursorId or group (handler extras or LiftbridgeServer options) to resume where it left off.`,
    );
  }

  /** Subscribes a plan's partitions (or joins its group) on a stream that exists. */
  private async start(
    plan: Plan,
    handler: MessageHandler,
    info: StreamInfo,
  ): Promise<Subscription[]> {
    const client = this.connection.client;
    if (plan.mode.type === 'group') return [this.consumeGroup(client, plan, handler)];
    const partitions = plan.partitions ?? [...info.partitions.keys()].sort((a, b) => a - b);
    for (const partition of partitions) {
      if (!info.partitions.has(partition))
        throw invalidArgument(
          'partitions',
          `stream "${plan.stream}" has no partition ${partition}`,
        );
    }
    const starts: Array<SubscribeOptions & { partition: number }> = [];
    for (const partition of partitions) starts.push(await this.startOf(client, plan, partition));
    if (this.closed) return [];
    return starts.map((options) => this.consumePartition(client, plan, handler, options));
  }

  /** Subscribe options of one partition (cursor or plain mode). */
  private async startOf(
    client: LiftbridgeClientApi,
    plan: Plan,
    partition: number,
  ): Promise<SubscribeOptions & { partition: number }> {
    if (plan.mode.type === 'cursor')
      return { partition, startPosition: StartPosition.RESUME, cursorId: plan.mode.cursorId };
    if (!plan.fromListen) return { ...plan.start, partition };
    // NEW_ONLY counted from now, by offset: no race with the subscribe handshake.
    const info = await lastValueFrom(client.fetchPartitionMetadata(plan.stream, partition));
    return { partition, startPosition: StartPosition.OFFSET, startOffset: info.newestOffset + 1n };
  }

  /**
   * Reads one partition through `client.consume()` (flow-controlled: at
   * most `prefetch` messages received and not yet handled), its units
   * handled one at a time in its lane. When reading fails (not a handler
   * stopping it), it starts again after a delay: from the cursor in cursor
   * mode, else after the last message handled. The client already retries
   * a broker restart within its `retryTimeout` (a RESUME cursor lookup
   * too); this covers what outlasts it: a broker down for longer, a cursor
   * partition whose high watermark stays behind until its next write, a
   * stream deleted and made again.
   */
  private consumePartition(
    client: LiftbridgeClientApi,
    plan: Plan,
    handler: MessageHandler,
    options: SubscribeOptions & { partition: number },
  ): Subscription {
    const mode = plan.mode;
    const store: Store | undefined =
      mode.type === 'cursor' ? (m) => this.store(client, m, mode.cursorId, undefined) : undefined;
    let from: SubscribeOptions & { partition: number } = options;
    const process = (unit: readonly Message[]) =>
      this.track(
        processUnit(this.processor, plan, unit, store, (u, c) => this.run(plan, handler, u, c)),
      ).pipe(
        tap({
          complete: () => {
            const last = unit[unit.length - 1];
            if (mode.type !== 'cursor' && last)
              from = {
                ...from,
                startPosition: StartPosition.OFFSET,
                startOffset: last.offset + 1n,
              };
          },
        }),
      );
    const { prefetch } = plan;
    return inLanes({ batch: plan.batch, process }, (add) =>
      client.consume(plan.stream, add, { ...from, prefetch, concurrency: prefetch }),
    )
      .pipe(
        retry({
          delay: (err: unknown, count: number) => this.again(plan, options.partition, err, count),
        }),
      )
      .subscribe({ error: (err: unknown) => this.ended(plan, options.partition, err) });
  }

  /**
   * A unit's processing, counted while it runs so close() can wait for it;
   * once the transport is closing, no unit starts (it is not committed)
   * and none ends, so the flow-controlled read pauses instead of reading
   * on until close() unsubscribes it.
   */
  private track(unit$: Observable<never>): Observable<never> {
    return defer(() => {
      if (this.closed) return NEVER;
      this.inFlight += 1;
      return unit$.pipe(
        finalize(() => {
          this.inFlight -= 1;
          if (this.inFlight === 0) this.idle.next();
        }),
      );
    });
  }

  /** When a partition's reading failed: read again after a delay (1 s doubling to 30 s), unless stopped or closed. */
  private again(
    plan: Plan,
    partition: number | undefined,
    err: unknown,
    count: number,
  ): Observable<number> {
    if (err instanceof Stopped || this.closed) return throwError(() => err);
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(count - 1, 5));
    this.report(
      err,
      undefined,
      `reading ${where(plan, partition)} failed (reading again in ${delay} ms)`,
    );
    return timer(delay);
  }

  /**
   * Joins the plan's group through `client.consumeGroup()` (flow-controlled:
   * at most `prefetch` messages received and not yet handled), each
   * assigned partition's units handled one at a time in its lane; messages
   * of a partition assigned elsewhere meanwhile are left out (the new
   * assignee reads them). A partition whose handler stops it (onError
   * 'stop') is handled no more (nor committed) until a restart; the others
   * go on. A failed read ends the membership; it joins again after a delay.
   */
  private consumeGroup(
    client: LiftbridgeClientApi,
    plan: Plan,
    handler: MessageHandler,
  ): Subscription {
    if (plan.mode.type !== 'group') throw new Error('not a group plan');
    const { group, consumerId, autoOffset, fetchAssignmentsInterval } = plan.mode;
    const cursorId = groupCursorId(group);
    const store: Store = (m) => this.store(client, m, cursorId, group);
    const run: RunHandler = (u, c) => this.run(plan, handler, u, c);
    const { prefetch } = plan;
    return inLanes(
      {
        batch: plan.batch,
        process: (unit) => this.track(processUnit(this.processor, plan, unit, store, run)),
        failed: (err, message) => this.ended(plan, message.partition, err),
      },
      (add) =>
        client.consumeGroup(group, plan.stream, add, {
          autoCheckpoint: 0,
          autoOffset,
          prefetch,
          concurrency: prefetch,
          ...(consumerId === undefined ? {} : { consumerId }),
          ...(fetchAssignmentsInterval === undefined ? {} : { fetchAssignmentsInterval }),
        }),
    )
      .pipe(
        // A failed read of any assigned partition ends the membership: it
        // joins again after a delay (1 s doubling to 30 s) and reads on
        // from the group's checkpoints, as a cursor-mode partition does.
        retry({ delay: (err: unknown, count: number) => this.again(plan, undefined, err, count) }),
      )
      .subscribe({ error: (err: unknown) => this.ended(plan, undefined, err) });
  }

  /** Runs the handler on a unit and waits for its result to complete; replies for a request. */
  private async run(
    plan: Plan,
    handler: MessageHandler,
    unit: readonly Message[],
    commit: LiftbridgeCommitFn,
  ): Promise<void> {
    const message = unit[unit.length - 1];
    if (message === undefined) return;
    const ctx = new LiftbridgeContext([message, unit, commit]);
    const result$ = defer(async () => {
      const data = plan.batch
        ? await Promise.all(unit.map((m) => this.dataOf(m)))
        : await this.dataOf(message);
      // handleMessage: inside the message's consumer span when tracing (liftbridge-rx/otel).
      return handleMessage(message, () => handler(data, ctx));
    }).pipe(mergeMap((result) => this.transformToObservable(result)));
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
        concatMap(async (packet) =>
          encodeData(await this.serializer.serialize(packet as OutgoingResponse)),
        ),
        concatMap(({ value, headers }) =>
          client.publish(value, {
            stream: replyTo,
            headers: { ...headers, [REQUEST_ID_HEADER]: requestId },
          }),
        ),
      ),
      { defaultValue: undefined },
    );
  }

  /** A message's data, through the deserializer. */
  private async dataOf(message: Message): Promise<unknown> {
    const packet = await this.deserializer.deserialize(message, { channel: message.stream });
    return packet.data;
  }

  /** Stores the offset of a handled message and emits 'commit'; fails as setCursor does. */
  private store(
    client: LiftbridgeClientApi,
    message: Message,
    cursorId: string,
    group: string | undefined,
  ): Observable<void> {
    const { stream, partition, offset } = message;
    return client
      .setCursor(stream, partition, cursorId, offset)
      .pipe(tap(() => this.events.emit('commit', { stream, partition, offset, cursorId, group })));
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
    this.report(err, undefined, `reading ${where(plan, partition)} ended`);
  }

  /** Logs a failure and emits it as an 'error' event. */
  private report(err: unknown, message: Message | undefined, what: string): void {
    const detail = err instanceof Error ? err.message : JSON.stringify(err, bigintSafe);
    this.logger.error(`${what}: ${detail}`);
    this.events.emit('error', err, message);
  }
}
