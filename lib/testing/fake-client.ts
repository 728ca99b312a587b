/**
 * FakeLiftbridgeClient: the whole public client interface in memory, for
 * unit and marble tests of code that uses liftbridge-rx. Streams and
 * cursors behave like the server's; publishes wait for the test to answer
 * them (or for a whenPublish rule); all timing runs on the RxJS clock.
 */
import {
  asyncScheduler,
  BehaviorSubject,
  concatWith,
  defer,
  EMPTY,
  map,
  mergeAll,
  Observable,
  of,
  Subject,
  type Subscription,
  takeUntil,
  throwError,
  timer,
  type Unsubscribable,
} from 'rxjs';
import { ACTIVITY_STREAM, type ActivityEvent, decodeActivity } from '../activity.js';
import type {
  CreateStreamOptions,
  PauseStreamOptions,
  PublishToSubjectOptions,
  SetReadonlyOptions,
  SinglePublishOptions,
} from '../client.js';
import type { LiftbridgeClientApi } from '../client-api.js';
import { closedError, ErrorCode, invalidArgument, LiftbridgeError } from '../errors.js';
import type { PublishSink } from '../internal/publisher.js';
import type { Ack, Message } from '../message.js';
import type {
  BrokerInfo,
  ClusterMetadata,
  ConsumerGroupInfo,
  PartitionInfo,
  StreamInfo,
} from '../metadata/metadata.js';
import type {
  AssignedPartition,
  ConsumerGroupOptions,
  GroupMessage,
} from '../observables/consumer-group.js';
import { plan, type SubscribeOptions } from '../observables/subscribe.js';
import { DEFAULT_ACK_TIMEOUT_MS } from '../options.js';
import { type Partitioner, Partitioning } from '../partitioners.js';
import { StartPosition, StopPosition } from '../positions.js';
import {
  buildPublishRequest,
  isPublishRequest,
  type PublishOptions,
  type PublishRequest,
} from '../publish-request.js';
import type { ClientStatus } from '../status.js';
import {
  checkAckTimeout,
  checkCursor,
  checkId,
  checkIndex,
  checkInt,
  checkInt64,
  checkStreamName,
  checkSubject,
} from '../validate.js';
import { FakeGroups } from './fake-group.js';
import { type MessageInit, noPartition, nowNanos, PartitionLog } from './partition-log.js';
import {
  type PublishMatcher,
  type PublishRule,
  PublishRuleBuilder,
  TestPublish,
} from './test-publish.js';

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
}

const FAKE_BROKER: BrokerInfo = {
  id: 'fake',
  host: '127.0.0.1',
  port: 9292,
  address: '127.0.0.1:9292',
  partitionCount: 0,
  leaderCount: 0,
};

const NEVER_HAPPENED = { first: 0n, latest: 0n };

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
  /** Every publish made, in order, with its state. */
  readonly publishes: TestPublish[] = [];
  private readonly logs = new Map<string, PartitionLog[]>();
  private readonly cursors = new Map<string, bigint>();
  private readonly rules: PublishRule[] = [];
  private readonly partitioning = new Partitioning();
  private readonly groups: FakeGroups;
  private readonly ackTimeout: number;
  private readonly partitioner: Partitioner | undefined;
  private readonly metadata = new BehaviorSubject<ClusterMetadata>(this.snapshot());
  private readonly statusEvents = new Subject<ClientStatus>();
  private readonly closing = new Subject<void>();
  private isClosed = false;
  private ids = 0;

  /** @param options streams to start with, ack timeout, partitioner. */
  constructor(options: FakeClientOptions = {}) {
    this.ackTimeout = checkAckTimeout(options.ackTimeout) ?? DEFAULT_ACK_TIMEOUT_MS;
    this.partitioner = options.partitioner;
    for (const [name, spec] of Object.entries(options.streams ?? {})) {
      const s = typeof spec === 'number' ? { partitions: spec } : spec;
      this.addStream(name, s.partitions ?? 1, s.subject ?? name);
    }
    this.groups = new FakeGroups({
      partitionCounts: (streams) => {
        const counts = new Map<string, number>();
        for (const s of streams) counts.set(s, this.partitionsOf(s).length);
        return counts;
      },
      subscribe: (stream, opts) => this.subscribe(stream, opts),
      cursor: (s, p, c) => this.cursor(s, p, c),
      storeCursor: (s, p, c, o) => void this.cursors.set(cursorKey(s, p, c), o),
    });
  }

  // ---- test controls -------------------------------------------------------

  /**
   * The one pending publish that matches, marked expected: answer it with
   * `ack()` or `fail(code)`.
   * @throws Error when none or several pending publishes match.
   */
  expectPublish(matcher?: PublishMatcher): TestPublish {
    const found = this.matchPublishes(matcher);
    if (found.length !== 1)
      throw new Error(
        `expected one pending publish${describeMatcher(matcher)}, found ${found.length}.\n${this.describePending()}`,
      );
    return found[0] as TestPublish;
  }

  /** Every pending publish that matches (possibly none), marked expected. */
  matchPublishes(matcher?: PublishMatcher): TestPublish[] {
    const found = this.pending(matcher);
    for (const p of found) p.expected = true;
    return found;
  }

  /** @throws Error when a pending publish matches. */
  expectNoPublish(matcher?: PublishMatcher): void {
    const found = this.pending(matcher);
    if (found.length > 0)
      throw new Error(
        `expected no pending publish${describeMatcher(matcher)}, found ${found.length}.\n${this.describePending()}`,
      );
  }

  /**
   * A standing answer for matching publishes, checked in the order added:
   * `fake.whenPublish({ stream: 'orders' }).ack()`, or
   * `.fail(ErrorCode.Unavailable, { times: 2, delay: 100 })`.
   */
  whenPublish(matcher?: PublishMatcher): PublishRuleBuilder {
    return new PublishRuleBuilder(matcher, (rule) => this.rules.push(rule));
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
    const log = this.log(stream, partition);
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
    this.log(stream, partition).fail(
      new LiftbridgeError(code, message ?? `${code} (scripted by the test)`),
    );
  }

  /** The messages stored in a partition, oldest first. */
  messages(stream: string, partition = 0): readonly Message[] {
    return this.log(stream, partition).messages;
  }

  /** A cursor's stored offset, -1n when there is none (synchronous, for assertions). */
  cursor(stream: string, partition: number, cursorId: string): bigint {
    return this.cursors.get(cursorKey(stream, partition, cursorId)) ?? -1n;
  }

  // ---- the client interface ------------------------------------------------

  /** Emits `{ type: 'closed' }` on close, then completes; nothing else happens in memory. */
  get status$(): Observable<ClientStatus> {
    return this.statusEvents.asObservable();
  }

  /** The current (fake) metadata: one broker, the streams in memory; completes on close. */
  get metadata$(): Observable<ClusterMetadata> {
    return this.metadata.asObservable();
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Publishes waiting for an answer. */
  get publishesInFlight(): number {
    return this.pending().length;
  }

  /** The metadata snapshot (streams named must exist in it to be listed). */
  fetchMetadata(streams?: string[]): Observable<ClusterMetadata> {
    return this.guard(() => {
      for (const [i, s] of (streams ?? []).entries()) checkStreamName(s, `streams[${i}]`, true);
      return defer(() => of(this.metadata.value));
    });
  }

  /** One partition's metadata; NOT_FOUND when it does not exist. */
  fetchPartitionMetadata(stream: string, partition = 0): Observable<PartitionInfo> {
    return this.guard(() => {
      const name = checkStreamName(stream, 'stream', true);
      const index = checkIndex(partition, 'partition');
      return defer(() => {
        const info = this.metadata.value.streams.get(name)?.partitions.get(index);
        return info ? of(info) : throwError(() => noPartition(name, index));
      });
    });
  }

  /** Creates a stream in memory; STREAM_EXISTS when the name is taken. */
  createStream(name: string, options: CreateStreamOptions = {}): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      const partitions =
        options.partitions === undefined
          ? 1
          : checkInt(options.partitions, 'partitions', 1, 1_000_000);
      const subject = options.subject === undefined ? stream : checkSubject(options.subject);
      return defer(() => {
        if (this.logs.has(stream))
          return throwError(
            () => new LiftbridgeError(ErrorCode.StreamExists, `stream "${stream}" already exists`),
          );
        this.addStream(stream, partitions, subject);
        return of(undefined);
      });
    });
  }

  /** Deletes a stream; its live subscribers end with STREAM_DELETED. NOT_FOUND when missing. */
  deleteStream(name: string): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      return defer(() => {
        const logs = this.partitionsOf(stream);
        this.logs.delete(stream);
        for (const log of logs)
          log.fail(new LiftbridgeError(ErrorCode.StreamDeleted, `stream "${stream}" was deleted`));
        this.refresh();
        return of(undefined);
      });
    });
  }

  /** Pauses partitions (default all); subscribing fails PARTITION_PAUSED unless `resume`. */
  pauseStream(name: string, options: PauseStreamOptions = {}): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      return defer(() => {
        for (const log of this.chosen(stream, options.partitions)) {
          log.paused = true;
          log.fail(
            new LiftbridgeError(ErrorCode.PartitionPaused, `${stream}/${log.partition} was paused`),
          );
        }
        this.refresh();
        return of(undefined);
      });
    });
  }

  /** Sets (or clears) the readonly flag; publishing to a readonly partition fails READONLY. */
  setStreamReadonly(name: string, options: SetReadonlyOptions = {}): Observable<void> {
    return this.guard(() => {
      const stream = checkStreamName(name, 'name');
      return defer(() => {
        for (const log of this.chosen(stream, options.partitions))
          log.readonly = options.readonly ?? true;
        this.refresh();
        return of(undefined);
      });
    });
  }

  /** Builds a publish request exactly as the real client does. */
  getPublishRequest(value: Uint8Array | string, options: PublishOptions): PublishRequest {
    return buildPublishRequest(value, options, this.partitioner);
  }

  /** Publishes one message: a pending {@link TestPublish} until answered. */
  publish(value: Uint8Array | string, options: SinglePublishOptions): Observable<Ack> {
    return this.publishRequest(
      buildPublishRequest(value, options, this.partitioner),
      options?.ackTimeout,
    );
  }

  /** Sends a request built by getPublishRequest (see publish). */
  publishRequest(request: PublishRequest, ackTimeout?: number): Observable<Ack> {
    return this.guard(() => {
      if (!isPublishRequest(request))
        throw invalidArgument('request', 'expected a request built by client.getPublishRequest()');
      const wait = checkAckTimeout(ackTimeout) ?? this.ackTimeout;
      return this.published(request, undefined, wait);
    });
  }

  /** Publishes to a NATS subject: once acked, stored in partition 0 of every stream on that subject. */
  publishToSubject(
    subject: string,
    value: Uint8Array | string,
    options: PublishToSubjectOptions = {},
  ): Observable<Ack> {
    return this.guard(() => {
      const target = checkSubject(subject);
      const request = buildPublishRequest(value, { ...options, stream: 'subject' });
      const wait = checkAckTimeout(options.ackTimeout) ?? this.ackTimeout;
      return this.published(request, target, wait);
    });
  }

  /**
   * The callback path publishBulk uses.
   * @internal
   */
  sendRequest(
    request: PublishRequest,
    ackTimeout: number | undefined,
    sink: PublishSink,
  ): Unsubscribable {
    let done = false;
    sink.written?.();
    const sub = this.publishRequest(request, ackTimeout).subscribe({
      next: (ack) => {
        done = true;
        sink.settled(ack, undefined);
      },
      error: (err: LiftbridgeError) => {
        done = true;
        sink.settled(undefined, err);
      },
      complete: () => {
        if (!done) sink.settled(undefined, undefined);
      },
    });
    return sub;
  }

  /** Reads a partition from memory: replays from the start position, then follows. */
  subscribe(stream: string, options: SubscribeOptions = {}): Observable<Message> {
    return this.guard(() => {
      const p = plan(stream, options);
      return defer(() => {
        const log = this.log(p.stream, p.partition);
        if (log.paused) {
          if (!options.resume)
            return throwError(
              () =>
                new LiftbridgeError(
                  ErrorCode.PartitionPaused,
                  `${p.stream}/${p.partition} is paused`,
                ),
            );
          log.paused = false;
          this.refresh();
        }
        let start = options.startPosition ?? StartPosition.NEW_ONLY;
        let startOffset = toBig(options.startOffset);
        if (start === StartPosition.RESUME) {
          const saved = this.cursor(p.stream, p.partition, p.cursorId ?? '');
          start = saved < 0n ? StartPosition.EARLIEST : StartPosition.OFFSET;
          startOffset = saved + 1n;
        }
        return log.read({
          start,
          startOffset,
          startTimestamp: toBig(options.startTimestamp),
          stop: options.stopPosition ?? StopPosition.ON_CANCEL,
          stopOffset: toBig(options.stopOffset),
          stopTimestamp: toBig(options.stopTimestamp),
        });
      });
    });
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
    return this.guard(() => this.groups.partitions(groupId, streams, options));
  }

  /** The group's (fake) coordinator and epoch; NOT_FOUND when it has no live member. */
  fetchConsumerGroup(groupId: string): Observable<ConsumerGroupInfo> {
    return this.guard(() => {
      const id = checkId(groupId, 'groupId');
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
      const c = checkCursor(stream, partition, cursorId);
      const key = cursorKey(c.stream, c.partition, c.cursorId);
      const value = checkInt64(offset, 'offset', -1n);
      return defer(() => {
        this.cursors.set(key, value);
        return of(undefined);
      });
    });
  }

  /** A cursor's offset, -1n when there is none. */
  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint> {
    return this.guard(() => {
      const c = checkCursor(stream, partition, cursorId);
      const key = cursorKey(c.stream, c.partition, c.cursorId);
      return defer(() => of(this.cursors.get(key) ?? -1n));
    });
  }

  /** Closes: pending publishes and live subscriptions end with CLIENT_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closing.next();
    this.closing.complete();
    this.statusEvents.next({ type: 'closed' });
    this.statusEvents.complete();
    this.metadata.complete();
  }

  /** Calls close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals -----------------------------------------------------------

  private guard<T>(build: () => Observable<T>): Observable<T> {
    const operation = build();
    return defer(() => {
      if (this.isClosed) return throwError(closedError);
      return operation.pipe(
        takeUntil(this.closing),
        concatWith(defer(() => (this.isClosed ? throwError(closedError) : EMPTY))),
      );
    });
  }

  private published(
    request: PublishRequest,
    subject: string | undefined,
    wait: number,
  ): Observable<Ack> {
    return new Observable<Ack>((subscriber) => {
      let partition = request.partition;
      if (subject === undefined) {
        try {
          if (request.partitioner)
            partition = this.partitioning.choose(
              request.partitioner,
              request.stream,
              request.key,
              request.value,
              this.metadata.value,
            );
          const log = this.log(request.stream, partition);
          if (log.readonly)
            throw new LiftbridgeError(
              ErrorCode.Readonly,
              `${request.stream}/${partition} is readonly`,
            );
        } catch (err: unknown) {
          subscriber.error(err);
          return;
        }
      }
      const publish = new TestPublish(request, partition, subject, {
        ack: (p, fields) => {
          const ack = { ...this.store(p), ...fields };
          subscriber.next(ack);
          subscriber.complete();
          return ack;
        },
        fail: (_p, err) => subscriber.error(err),
      });
      this.publishes.push(publish);
      if (request.ackPolicy === 'NONE') {
        publish.state = 'acked';
        this.store(publish);
        subscriber.complete();
        return;
      }
      const timers = timer(wait).subscribe(() =>
        publish.fail(
          ErrorCode.AckTimeout,
          `no ack within ${wait} ms (fake client: nobody answered the ${publish.describe()})`,
        ),
      );
      const rule = this.rules.find((r) => r.remaining > 0 && publish.matches(r.matcher));
      if (rule) {
        rule.remaining -= 1;
        publish.expected = true;
        const answer = () => {
          if (publish.state !== 'pending') return;
          if (rule.answer.type === 'ack') publish.ack();
          else publish.fail(rule.answer.code);
        };
        if (rule.delay === 0) answer();
        else timers.add(timer(rule.delay).subscribe(answer));
      }
      return () => {
        timers.unsubscribe();
        if (publish.state === 'pending') publish.state = 'cancelled';
      };
    });
  }

  /** Stores an answered publish; returns its Ack. */
  private store(publish: TestPublish): Ack {
    const { request } = publish;
    const targets =
      publish.subject === undefined
        ? [this.log(request.stream, publish.partition)]
        : [...this.logs.values()].flatMap((logs) =>
            logs.filter((l) => l.partition === 0 && l.subject === publish.subject),
          );
    const first = targets[0];
    if (!first)
      throw new Error(`cannot store the ${publish.describe()}: no stream consumes that subject`);
    this.ids += 1;
    const correlationId = request.correlationId ?? `fake-${this.ids}`;
    const init: MessageInit = {
      value: request.value,
      key: request.key,
      headers: Object.fromEntries(request.headers),
      correlationId,
    };
    const stored = targets.map((log) => log.append(init, request.ackPolicy));
    const message = stored[0] as Message;
    return {
      stream: first.stream,
      partition: first.partition,
      offset: message.offset,
      correlationId,
      partitionSubject: first.subject,
      msgSubject: first.subject,
      ackInbox: '',
      ackPolicy: request.ackPolicy,
      receptionTimestamp: message.timestamp,
      commitTimestamp: nowNanos(),
    };
  }

  private addStream(name: string, partitions: number, subject: string): void {
    const logs: PartitionLog[] = [];
    for (let i = 0; i < partitions; i++)
      logs.push(new PartitionLog(name, i, i === 0 ? subject : `${subject}.${i}`));
    this.logs.set(name, logs);
    this.refresh();
  }

  private partitionsOf(stream: string): PartitionLog[] {
    const logs = this.logs.get(stream);
    if (!logs) throw new LiftbridgeError(ErrorCode.NotFound, `no stream "${stream}" (fake client)`);
    return logs;
  }

  private log(stream: string, partition: number): PartitionLog {
    const log = this.partitionsOf(stream)[partition];
    if (!log) throw noPartition(stream, partition);
    return log;
  }

  private chosen(stream: string, partitions: number[] | undefined): PartitionLog[] {
    const logs = this.partitionsOf(stream);
    return partitions === undefined ? logs : partitions.map((p) => this.log(stream, p));
  }

  private refresh(): void {
    this.metadata.next(this.snapshot());
  }

  private snapshot(): ClusterMetadata {
    const streams = new Map<string, StreamInfo>();
    for (const [name, logs] of this.logs) {
      const partitions = new Map<number, PartitionInfo>();
      for (const log of logs)
        partitions.set(log.partition, {
          id: log.partition,
          leader: FAKE_BROKER.id,
          replicas: [FAKE_BROKER.id],
          isr: [FAKE_BROKER.id],
          highWatermark: log.newestOffset,
          newestOffset: log.newestOffset,
          paused: log.paused,
          readonly: log.readonly,
          messagesReceived: NEVER_HAPPENED,
          pauseChanged: NEVER_HAPPENED,
          readonlyChanged: NEVER_HAPPENED,
        });
      streams.set(name, {
        name,
        subject: logs[0]?.subject ?? name,
        creationTimestamp: 0n,
        partitions,
      });
    }
    return {
      brokers: new Map([[FAKE_BROKER.id, FAKE_BROKER]]),
      streams,
      updatedAt: asyncScheduler.now(),
    };
  }

  /** Publishes still waiting for an answer (that match). */
  private pending(matcher?: PublishMatcher): TestPublish[] {
    return this.publishes.filter((p) => p.state === 'pending' && p.matches(matcher));
  }

  private describePending(): string {
    const pending = this.pending();
    return pending.length === 0
      ? 'no publish is pending'
      : `pending:\n${pending.map((p) => `  ${p.describe()}`).join('\n')}`;
  }
}

const cursorKey = (stream: string, partition: number, cursorId: string) =>
  `${stream}\u0000${partition}\u0000${cursorId}`;

const toBig = (value: bigint | number | undefined): bigint =>
  value === undefined ? 0n : BigInt(value);

function describeMatcher(matcher: PublishMatcher | undefined): string {
  if (matcher === undefined) return '';
  if (typeof matcher === 'function') return ' matching the predicate';
  const fields = Object.entries(matcher).map(
    ([k, v]) =>
      `${k}=${typeof v === 'string' || typeof v === 'number' ? JSON.stringify(v) : '<bytes>'}`,
  );
  return ` with ${fields.join(', ')}`;
}
