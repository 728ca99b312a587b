/**
 * FakeLiftbridgeClient: the whole public client interface in memory, for
 * unit and marble tests of code that uses liftbridge-rx. Streams and
 * cursors behave like the server's; publishes wait for the test to answer
 * them (or for a whenPublish rule); all timing runs on the RxJS clock.
 */
import {
  defer,
  firstValueFrom,
  map,
  mergeAll,
  type Observable,
  type ObservableInput,
  of,
  race,
  Subject,
  type Subscription,
  takeUntil,
  throwError,
  timer,
} from 'rxjs';
import {
  ACTIVITY_STREAM,
  type Ack,
  type ActivityEvent,
  type AssignedPartition,
  type ClientStatus,
  type ClusterMetadata,
  type ConsumeGroupOptions,
  type ConsumeOptions,
  type ConsumerGroupInfo,
  type ConsumerGroupOptions,
  type CreateStreamOptions,
  checkCursorTarget,
  checkStreamName,
  consumeGroupWithFlowControl,
  consumeWithFlowControl,
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  type DrainOptions,
  DrainState,
  decodeActivity,
  ErrorCode,
  type GroupMessage,
  guardOperation,
  iterateWithFlowControl,
  type LiftbridgeClientApi,
  LiftbridgeError,
  type Message,
  type MessagesOptions,
  type Partitioner,
  type PartitionInfo,
  type PauseStreamOptions,
  type PublishOptions,
  type PublishRequest,
  type PublishToSubjectOptions,
  planConsume,
  planConsumeGroup,
  planConsumerGroup,
  planCreateStream,
  planCursor,
  planDrain,
  planFetchMetadata,
  planGroupId,
  planMessages,
  planPartition,
  planPauseStream,
  planPublish,
  planPublishRequest,
  planPublishToSubject,
  planSetCursor,
  planSetStreamReadonly,
  type SetReadonlyOptions,
  type SinglePublishOptions,
  type SubscribeOptions,
} from '../index.js';
import { FakeGroups } from './fake-group.js';
import { describeMatcher, FakePublishes } from './fake-publish.js';
import { fakeSubscription, NOT_PAUSED } from './fake-reads.js';
import { FAKE_BROKER, FakeStore } from './fake-store.js';
import { type MessageInit, noPartition } from './partition-log.js';
import { type PublishMatcher, PublishRuleBuilder, type TestPublish } from './test-publish.js';

/** Options of {@link FakeLiftbridgeClient}. */
export interface FakeClientOptions {
  /** Streams that exist from the start: name -> partition count (or `{ partitions, subject }`). */
  streams?: Readonly<
    Record<
      string,
      | number
      | {
          /** Number of partitions; default 1. */
          partitions?: number;
          /** NATS subject; default the stream name. */
          subject?: string;
        }
    >
  >;
  /** Ack wait (ms, RxJS clock) before a pending publish fails with ACK_TIMEOUT; default 5000 as the real client. */
  ackTimeout?: number;
  /** Default partitioner, as the real client's option; default none (partition 0). */
  partitioner?: Partitioner;
  /** How long drain() waits (ms, RxJS clock) for live work; default 10000 as the real client. */
  drainTimeout?: number;
}

/**
 * An in-memory stand-in for `LiftbridgeClient`: it implements the
 * same public interface (`LiftbridgeClientApi`; the compiler fails if
 * they drift) and adds test controls in the style of Angular's
 * HttpTestingController: {@link expectPublish} hands out a {@link TestPublish}
 * to `ack()` or `fail()`, {@link emit} feeds subscribers, {@link verify}
 * fails on publishes nobody expected. Time (ack timeouts, rule delays,
 * automatic checkpoints) comes from RxJS, so it runs virtually under
 * `TestScheduler.run`.
 *
 * @example
 * ```ts
 * const fake = new FakeLiftbridgeClient({ streams: { orders: 1 } });
 * const acks: Ack[] = [];
 * fake.publish('order 1', { stream: 'orders' }).subscribe((ack) => acks.push(ack));
 * fake.expectPublish({ stream: 'orders', value: 'order 1' }).ack();
 * fake.verify();
 * ```
 */
export class FakeLiftbridgeClient implements LiftbridgeClientApi {
  private readonly store = new FakeStore();
  private readonly sent = new FakePublishes(this.store);
  private readonly groups: FakeGroups;
  private readonly ackTimeout: number;
  private readonly partitioner: Partitioner | undefined;
  private readonly drainTimeout: number;
  private readonly statusEvents = new Subject<ClientStatus>();
  /** The drain signal and the live operations a drain waits for. */
  private readonly drainState = new DrainState();
  /** What guardOperation watches: closed, when it closes, the drain. */
  private readonly lifecycle = {
    closed: false,
    closing: new Subject<void>(),
    draining: this.drainState.draining,
    operations: this.drainState,
  };
  private draining: Promise<void> | undefined;

  /** @param options streams to start with, ack timeout, partitioner, drain timeout. */
  constructor(options: FakeClientOptions = {}) {
    this.ackTimeout = checkAckTimeout(options.ackTimeout) ?? DEFAULT_ACK_TIMEOUT_MS;
    this.drainTimeout =
      checkAckTimeout(options.drainTimeout, 'drainTimeout') ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.partitioner = options.partitioner;
    for (const [name, spec] of Object.entries(options.streams ?? {})) {
      const s = typeof spec === 'number' ? { partitions: spec } : spec;
      this.store.addStream(name, s.partitions ?? 1, s.subject ?? name);
    }
    this.groups = new FakeGroups({
      partitionCounts: (streams) => {
        const counts = new Map<string, number>();
        for (const s of streams) counts.set(s, this.store.partitionsOf(s).length);
        return counts;
      },
      // As subscribe(): guarded, and done when drain starts.
      source: (stream, opts) => (paused) =>
        this.guard(() =>
          fakeSubscription(
            this.store,
            stream,
            opts,
          )(paused).pipe(takeUntil(this.drainState.draining)),
        ),
      draining: this.drainState.draining,
      cursor: (s, p, c) => this.store.cursor(s, p, c),
      storeCursor: (s, p, c, o) => this.store.setCursor(s, p, c, o),
    });
  }

  // ---- test controls -------------------------------------------------------

  /** Every publish made, in order, with its state. */
  get publishes(): TestPublish[] {
    return this.sent.all;
  }

  /**
   * The one pending publish that matches, marked expected: answer it with
   * `ack()` or `fail(code)`.
   * @throws Error when none or several pending publishes match.
   */
  expectPublish(matcher?: PublishMatcher): TestPublish {
    const found = this.matchPublishes(matcher);
    if (found.length !== 1)
      throw new Error(
        `expected one pending publish${describeMatcher(matcher)}, found ${found.length}.\n${this.sent.describePending()}`,
      );
    return found[0] as TestPublish;
  }

  /** Every pending publish that matches (possibly none), marked expected. */
  matchPublishes(matcher?: PublishMatcher): TestPublish[] {
    const found = this.sent.pending(matcher);
    for (const p of found) p.expected = true;
    return found;
  }

  /** @throws Error when a pending publish matches. */
  expectNoPublish(matcher?: PublishMatcher): void {
    const found = this.sent.pending(matcher);
    if (found.length > 0)
      throw new Error(
        `expected no pending publish${describeMatcher(matcher)}, found ${found.length}.\n${this.sent.describePending()}`,
      );
  }

  /**
   * A standing answer for matching publishes, checked in the order added:
   * `fake.whenPublish({ stream: 'orders' }).ack()`, or
   * `.fail(ErrorCode.Unavailable, { times: 2, delay: 100 })`.
   */
  whenPublish(matcher?: PublishMatcher): PublishRuleBuilder {
    return new PublishRuleBuilder(matcher, (rule) => this.sent.addRule(rule));
  }

  /**
   * Fails when a publish is still pending that no expectPublish or
   * matchPublishes looked at (as HttpTestingController.verify()).
   */
  verify(): void {
    const unexpected = this.publishes.filter((p) => p.state === 'pending' && !p.expected);
    if (unexpected.length > 0)
      throw new Error(
        `${unexpected.length} unexpected pending publish(es):\n${unexpected.map((p) => `  ${p.describe()}`).join('\n')}`,
      );
  }

  /**
   * Stores messages in a partition as if another producer published them;
   * live subscribers receive them at once. Returns the stored messages.
   * @throws LiftbridgeError NOT_FOUND when there is no such partition.
   */
  emit(
    stream: string,
    partition: number,
    messages: ReadonlyArray<MessageInit | string | Uint8Array>,
  ): Message[] {
    const log = this.store.log(stream, partition);
    return messages.map((m) =>
      log.append(typeof m === 'string' || m instanceof Uint8Array ? { value: m } : m),
    );
  }

  /**
   * Stores each value `source` emits, when it emits (marbles: `fake.feed('s', 0,
   * cold('-a-b', { a: 'x', b: 'y' }))`). Returns the subscription.
   */
  feed(
    stream: string,
    partition: number,
    source: Observable<MessageInit | string | Uint8Array>,
  ): Subscription {
    return source.subscribe((m) => this.emit(stream, partition, [m]));
  }

  /** Ends every live subscription of a partition with a LiftbridgeError of `code`. */
  failSubscriptions(stream: string, partition: number, code: ErrorCode, message?: string): void {
    this.store
      .log(stream, partition)
      .fail(new LiftbridgeError(code, message ?? `${code} (scripted by the test)`));
  }

  /**
   * The messages stored in a partition, oldest first (synchronous, for
   * assertions; `messages()` is the client's flow-controlled read).
   */
  stored(stream: string, partition = 0): readonly Message[] {
    return this.store.log(stream, partition).messages;
  }

  /** A cursor's stored offset, -1n when there is none (synchronous, for assertions). */
  cursor(stream: string, partition: number, cursorId: string): bigint {
    return this.store.cursor(stream, partition, cursorId);
  }

  // ---- the client interface ------------------------------------------------

  /** Emits `{ type: 'draining' }` on drain, `{ type: 'closed' }` on close, then completes; nothing else happens in memory. */
  get status$(): Observable<ClientStatus> {
    return this.statusEvents.asObservable();
  }

  /** The current (fake) metadata: one broker, the streams in memory; completes on close. */
  get metadata$(): Observable<ClusterMetadata> {
    return this.store.metadata.asObservable();
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.lifecycle.closed;
  }

  /** Publishes waiting for an answer. */
  get publishesInFlight(): number {
    return this.sent.pending().length;
  }

  /** The metadata snapshot (streams named must exist in it to be listed). */
  fetchMetadata(streams?: string[]): Observable<ClusterMetadata> {
    return this.guard(() => {
      planFetchMetadata(streams);
      return defer(() => of(this.store.metadata.value));
    });
  }

  /** One partition's metadata; NOT_FOUND when it does not exist. */
  fetchPartitionMetadata(stream: string, partition = 0): Observable<PartitionInfo> {
    return this.guard(() => {
      const p = planPartition(stream, partition);
      return defer(() => {
        const info = this.store.partitionInfo(p.stream, p.partition);
        return info ? of(info) : throwError(() => noPartition(p.stream, p.partition));
      });
    });
  }

  /** Creates a stream in memory; STREAM_EXISTS when the name is taken. */
  createStream(name: string, options: CreateStreamOptions = {}): Observable<void> {
    return this.guard(() => {
      const plan = planCreateStream(name, options);
      return defer(() => {
        if (this.store.has(plan.name))
          return throwError(
            () =>
              new LiftbridgeError(ErrorCode.StreamExists, `stream "${plan.name}" already exists`),
          );
        this.store.addStream(plan.name, plan.partitions, plan.subject);
        return of(undefined);
      });
    });
  }

  /** Deletes a stream; its live subscribers end with STREAM_DELETED. NOT_FOUND when missing. */
  deleteStream(name: string): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      return defer(() => {
        for (const log of this.store.deleteStream(stream))
          log.fail(new LiftbridgeError(ErrorCode.StreamDeleted, `stream "${stream}" was deleted`));
        this.store.refresh();
        return of(undefined);
      });
    });
  }

  /** Pauses partitions (default all); subscribing fails PARTITION_PAUSED unless `resume`. */
  pauseStream(name: string, options: PauseStreamOptions = {}): Observable<void> {
    return this.guard(() => {
      const plan = planPauseStream(name, options);
      return defer(() => {
        for (const log of this.store.chosen(plan.name, plan.partitions)) {
          log.paused = true;
          log.fail(
            new LiftbridgeError(
              ErrorCode.PartitionPaused,
              `${plan.name}/${log.partition} was paused`,
            ),
          );
        }
        this.store.refresh();
        return of(undefined);
      });
    });
  }

  /** Sets (or clears) the readonly flag; publishing to a readonly partition fails READONLY. */
  setStreamReadonly(name: string, options: SetReadonlyOptions = {}): Observable<void> {
    return this.guard(() => {
      const plan = planSetStreamReadonly(name, options);
      return defer(() => {
        for (const log of this.store.chosen(plan.name, plan.partitions))
          log.readonly = plan.readonly;
        this.store.refresh();
        return of(undefined);
      });
    });
  }

  /** Builds a publish request exactly as the real client does. */
  getPublishRequest(value: Uint8Array | string, options: PublishOptions): PublishRequest {
    return planPublish(value, options, this.partitioner);
  }

  /** Publishes one message: a pending {@link TestPublish} until answered. */
  publish(value: Uint8Array | string, options: SinglePublishOptions): Observable<Ack> {
    return this.publishRequest(planPublish(value, options, this.partitioner), options?.ackTimeout);
  }

  /** Sends a request built by getPublishRequest (see publish); publishBulk sends through it. */
  publishRequest(request: PublishRequest, ackTimeout?: number): Observable<Ack> {
    return this.guard(() => {
      const plan = planPublishRequest(request, ackTimeout, this.ackTimeout);
      return this.sent.publish(plan.request, undefined, plan.ackTimeout);
    });
  }

  /** Publishes to a NATS subject: once acked, stored in partition 0 of every stream on that subject. */
  publishToSubject(
    subject: string,
    value: Uint8Array | string,
    options: PublishToSubjectOptions = {},
  ): Observable<Ack> {
    return this.guard(() => {
      const plan = planPublishToSubject(subject, value, options, this.ackTimeout);
      return this.sent.publish(plan.message, plan.subject, plan.ackTimeout);
    });
  }

  /**
   * Reads a partition from memory: replays from the start position, then
   * follows. With `partition: 'all'`, every partition of the stream, merged
   * (each to its own stop).
   */
  subscribe(stream: string, options: SubscribeOptions = {}): Observable<Message> {
    return this.guard(() =>
      // No handler to wait for: done when drain starts.
      fakeSubscription(
        this.store,
        stream,
        options,
      )(NOT_PAUSED).pipe(takeUntil(this.drainState.draining)),
    );
  }

  /**
   * As the client's: an AsyncIterable whose replay stops while the loop is
   * `highWaterMark` messages behind (until `lowWaterMark`).
   */
  messages(stream: string, options: MessagesOptions = {}): AsyncIterable<Message> {
    const plan = planMessages(options);
    const source = fakeSubscription(this.store, stream, plan.subscribe);
    return iterateWithFlowControl(
      (paused) => this.guard(() => source(paused)),
      plan.marks,
      this.lifecycle,
    );
  }

  /** As the client's: `handler` per message, the replay paused at `prefetch` unhandled messages. */
  consume<R>(
    stream: string,
    handler: (message: Message) => ObservableInput<R>,
    options: ConsumeOptions = {},
  ): Observable<R> {
    const plan = planConsume(handler, options);
    const source = fakeSubscription(this.store, stream, plan.subscribe);
    return this.guard(() => consumeWithFlowControl(source, handler, plan, this.lifecycle));
  }

  /** The activity stream, when a test created `__activity` and emitted events to it. */
  activity$(options: Omit<SubscribeOptions, 'partition'> = {}): Observable<ActivityEvent> {
    return this.subscribe(ACTIVITY_STREAM, { ...options, partition: 0 }).pipe(map(decodeActivity));
  }

  /** A consumer group of one live member (see FakeGroups): every partition, after the checkpoint. */
  consumerGroup(
    groupId: string,
    streams: string | string[],
    options: ConsumerGroupOptions = {},
  ): Observable<GroupMessage> {
    return this.consumerGroupPartitions(groupId, streams, options).pipe(mergeAll());
  }

  /** Like consumerGroup, one Observable per assigned partition. */
  consumerGroupPartitions(
    groupId: string,
    streams: string | string[],
    options: ConsumerGroupOptions = {},
  ): Observable<AssignedPartition> {
    return this.guard(() => this.groups.partitions(planConsumerGroup(groupId, streams, options)));
  }

  /**
   * As the client's: `handler` per message of the group's partitions, the
   * replays paused at `prefetch` unhandled messages; checkpoints cover the
   * handled messages.
   */
  consumeGroup<R>(
    groupId: string,
    streams: string | string[],
    handler: (message: GroupMessage, revoked: AbortSignal) => ObservableInput<R>,
    options: ConsumeGroupOptions = {},
  ): Observable<R> {
    const plan = planConsumeGroup(groupId, streams, handler, options);
    return this.guard(() =>
      consumeGroupWithFlowControl(
        (flow) => this.groups.partitions(plan.group, flow),
        handler,
        plan,
        this.lifecycle,
      ),
    );
  }

  /** The group's (fake) coordinator and epoch; NOT_FOUND when it has no live member. */
  fetchConsumerGroup(groupId: string): Observable<ConsumerGroupInfo> {
    return this.guard(() => {
      const id = planGroupId(groupId);
      return defer(() => {
        const info = this.groups.info(id);
        return info
          ? of({ id, coordinator: FAKE_BROKER.id, epoch: info.epoch })
          : throwError(() => new LiftbridgeError(ErrorCode.NotFound, `no consumer group "${id}"`));
      });
    });
  }

  /** Stores a cursor in memory. */
  setCursor(
    stream: string,
    partition: number,
    cursorId: string,
    offset: bigint | number,
  ): Observable<void> {
    return this.guard(() => {
      const c = planSetCursor(stream, partition, cursorId, offset);
      return defer(() => {
        checkCursorTarget(this.store.metadata.value, c.stream, c.partition);
        this.store.setCursor(c.stream, c.partition, c.cursorId, c.offset);
        return of(undefined);
      });
    });
  }

  /** A cursor's offset, -1n when there is none. */
  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint> {
    return this.guard(() => {
      const c = planCursor(stream, partition, cursorId);
      return defer(() => {
        checkCursorTarget(this.store.metadata.value, c.stream, c.partition);
        return of(this.store.cursor(c.stream, c.partition, c.cursorId));
      });
    });
  }

  /** Closes: pending publishes and live subscriptions end with CLIENT_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.lifecycle.closed) return;
    this.lifecycle.closed = true;
    this.lifecycle.closing.next();
    this.lifecycle.closing.complete();
    this.statusEvents.next({ type: 'closed' });
    this.statusEvents.complete();
    this.store.metadata.complete();
  }

  /**
   * Drains as the real client does: new operations fail CLIENT_CLOSED,
   * `status$` emits `draining`, subscriptions complete, groups checkpoint
   * and complete, pending publishes keep waiting for the test's answer, for
   * up to `timeout` (RxJS clock); then close().
   */
  drain(options?: DrainOptions): Promise<void> {
    const timeout = planDrain(options, this.drainTimeout);
    if (this.draining) return this.draining;
    if (this.lifecycle.closed) return this.close();
    this.drainState.start();
    this.statusEvents.next({ type: 'draining' });
    this.draining = firstValueFrom(
      race(this.drainState.settled(), timer(timeout), this.lifecycle.closing),
      { defaultValue: undefined },
    ).then(() => this.close());
    return this.draining;
  }

  /** Calls close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals -----------------------------------------------------------

  private guard<T>(build: () => Observable<T>): Observable<T> {
    return guardOperation(build, this.lifecycle);
  }
}

/** The fake's own `ackTimeout` (or `drainTimeout`) option: undefined, or a positive finite number of ms. */
function checkAckTimeout(value: unknown, name = 'ackTimeout'): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new LiftbridgeError(
      ErrorCode.InvalidArgument,
      `${name}: expected a positive number of ms, got ${String(value)}`,
    );
  return value;
}
