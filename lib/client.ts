/**
 * LiftbridgeClient, the facade: it makes the client's core (connections,
 * metadata, the publish stream) and hands each call to the module of its
 * capability. What each call does is documented on the capability
 * interfaces it implements (lib/client-api.ts lists them).
 */
import { filter, type Observable, type ObservableInput } from 'rxjs';
import type { ActivityEvent } from './activity.js';
import { fetchCursor, setCursor } from './admin/cursors.js';
import { fetchConsumerGroup, fetchMetadata, fetchPartitionMetadata } from './admin/metadata.js';
import {
  type CreateStreamOptions,
  createStream,
  deleteStream,
  type PauseStreamOptions,
  pauseStream,
  type SetReadonlyOptions,
  setStreamReadonly,
} from './admin/streams.js';
import type { LiftbridgeClientApi } from './client-api.js';
import { observeCall } from './diagnostics.js';
import { closedError } from './errors.js';
import { ClientCore } from './internal/core.js';
import { failSink } from './internal/publish-sink.js';
import { registerSender } from './internal/senders.js';
import { type DrainOptions, planDrain } from './lifecycle.js';
import type { Ack, Message } from './message.js';
import type { ClusterMetadata, ConsumerGroupInfo, PartitionInfo } from './metadata/metadata.js';
import type {
  AssignedPartition,
  ConsumerGroupOptions,
  GroupMessage,
} from './observables/consumer-group.js';
import { consumeGroup, consumerGroup, consumerGroupPartitions } from './observables/group-api.js';
import type { SubscribeOptions } from './observables/subscribe.js';
import { activity, consume, messages, subscribe } from './observables/subscribe-api.js';
import { type ClientOptions, resolveOptions } from './options.js';
import type { ConsumeOptions, MessagesOptions } from './plans/flow.js';
import type { ConsumeGroupOptions } from './plans/group.js';
import {
  getPublishRequest,
  publish,
  publishRequest,
  type SinglePublishOptions,
  sendRequest,
} from './publish/publish.js';
import { type PublishToSubjectOptions, publishToSubject } from './publish/subject.js';
import type { PublishOptions, PublishRequest } from './publish-request.js';
import type { ClientStatus } from './status.js';

export type {
  CreateStreamOptions,
  PauseStreamOptions,
  SetReadonlyOptions,
} from './admin/streams.js';
export type { SinglePublishOptions } from './publish/publish.js';
export type { PublishToSubjectOptions } from './publish/subject.js';

/**
 * A Liftbridge client: streams, publishing, subscriptions, cursors and
 * consumer groups over one set of gRPC connections.
 *
 * Every operation returns a cold Observable: nothing is sent until it is
 * subscribed, each subscription runs the call anew, and unsubscribing
 * cancels it. Arguments are checked when the method is called (a bad one
 * throws `INVALID_ARGUMENT` at once); failures later arrive as
 * {@link LiftbridgeError}s through the Observable. Calls retry by
 * themselves through unreachable brokers and leader changes for up to the
 * `retryTimeout` option. After {@link close}, every operation fails with
 * `CLIENT_CLOSED`.
 *
 * @example
 * ```ts
 * await using client = new LiftbridgeClient(['127.0.0.1:9292']);
 * await lastValueFrom(client.createStream('orders'));
 * const ack = await lastValueFrom(client.publish('hello', { stream: 'orders' }));
 * console.log(`stored at offset ${ack.offset}`);
 * ```
 */
export class LiftbridgeClient implements LiftbridgeClientApi {
  private readonly core: ClientCore;
  private closing: Promise<void> | undefined;
  private draining: Promise<void> | undefined;

  /**
   * Makes a client; nothing connects until the first operation is subscribed.
   *
   * @param brokers - seed brokers as `host:port` (IPv6 as `[::1]:9292`); the
   *   others are learnt from cluster metadata.
   * @param options - see {@link ClientOptions}; every field has a documented default.
   * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` naming a bad seed or
   *   option (an empty list, a missing or bad port, `tls` with `credentials`, ...).
   * @example
   * ```ts
   * const client = new LiftbridgeClient(['10.0.0.1:9292', '10.0.0.2:9292'], {
   *   requestTimeout: 5000,
   * });
   * // ...
   * await client.close();
   * ```
   */
  constructor(brokers: string[], options: ClientOptions = {}) {
    const core = new ClientCore(resolveOptions(brokers, options));
    this.core = core;
    registerSender(
      this,
      (request, ackTimeout, sink) =>
        // Once drain started a bulk's new requests are refused, as every new operation is.
        core.drain.refusing
          ? failSink(sink, closedError(), request)
          : sendRequest(core, request, ackTimeout, sink),
      core.drain.draining,
    );
    const signal = core.options.signal;
    if (signal) {
      const onAbort = () => void this.close();
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        core.cluster.closing.subscribe(() => signal.removeEventListener('abort', onAbort));
      }
    }
  }

  get status$(): Observable<ClientStatus> {
    return this.core.cluster.status;
  }

  get metadata$(): Observable<ClusterMetadata> {
    return this.core.cluster.metadataChanges.pipe(
      filter((m): m is ClusterMetadata => m !== undefined),
    );
  }

  get closed(): boolean {
    return this.core.cluster.closed;
  }

  fetchMetadata(streams?: string[]): Observable<ClusterMetadata> {
    return observeCall('FetchMetadata', undefined, fetchMetadata(this.core, streams));
  }

  fetchPartitionMetadata(stream: string, partition = 0): Observable<PartitionInfo> {
    return observeCall(
      'FetchPartitionMetadata',
      stream,
      fetchPartitionMetadata(this.core, stream, partition),
    );
  }

  fetchConsumerGroup(groupId: string): Observable<ConsumerGroupInfo> {
    return observeCall('FetchConsumerGroup', undefined, fetchConsumerGroup(this.core, groupId));
  }

  createStream(name: string, options: CreateStreamOptions = {}): Observable<void> {
    return observeCall('CreateStream', name, createStream(this.core, name, options));
  }

  deleteStream(name: string): Observable<void> {
    return observeCall('DeleteStream', name, deleteStream(this.core, name));
  }

  pauseStream(name: string, options: PauseStreamOptions = {}): Observable<void> {
    return observeCall('PauseStream', name, pauseStream(this.core, name, options));
  }

  setStreamReadonly(name: string, options: SetReadonlyOptions = {}): Observable<void> {
    return observeCall('SetStreamReadonly', name, setStreamReadonly(this.core, name, options));
  }

  getPublishRequest(value: Uint8Array | string, options: PublishOptions): PublishRequest {
    return getPublishRequest(this.core, value, options);
  }

  publish(value: Uint8Array | string, options: SinglePublishOptions): Observable<Ack> {
    return publish(this.core, value, options);
  }

  publishRequest(request: PublishRequest, ackTimeout?: number): Observable<Ack> {
    return publishRequest(this.core, request, ackTimeout);
  }

  publishToSubject(
    subject: string,
    value: Uint8Array | string,
    options: PublishToSubjectOptions = {},
  ): Observable<Ack> {
    return publishToSubject(this.core, subject, value, options);
  }

  get publishesInFlight(): number {
    return this.core.publisher.inFlight;
  }

  subscribe(stream: string, options: SubscribeOptions = {}): Observable<Message> {
    return subscribe(this.core, stream, options);
  }

  messages(stream: string, options: MessagesOptions = {}): AsyncIterable<Message> {
    return messages(this.core, stream, options);
  }

  consume<R>(
    stream: string,
    handler: (message: Message) => ObservableInput<R>,
    options: ConsumeOptions = {},
  ): Observable<R> {
    return consume(this.core, stream, handler, options);
  }

  activity$(options: Omit<SubscribeOptions, 'partition'> = {}): Observable<ActivityEvent> {
    return activity(this.core, options);
  }

  consumerGroup(
    groupId: string,
    streams: string | string[],
    options: ConsumerGroupOptions = {},
  ): Observable<GroupMessage> {
    return consumerGroup(this.core, groupId, streams, options);
  }

  consumerGroupPartitions(
    groupId: string,
    streams: string | string[],
    options: ConsumerGroupOptions = {},
  ): Observable<AssignedPartition> {
    return consumerGroupPartitions(this.core, groupId, streams, options);
  }

  consumeGroup<R>(
    groupId: string,
    streams: string | string[],
    handler: (message: GroupMessage, revoked: AbortSignal) => ObservableInput<R>,
    options: ConsumeGroupOptions = {},
  ): Observable<R> {
    return consumeGroup(this.core, groupId, streams, handler, options);
  }

  setCursor(
    stream: string,
    partition: number,
    cursorId: string,
    offset: bigint | number,
  ): Observable<void> {
    return observeCall(
      'SetCursor',
      stream,
      setCursor(this.core, stream, partition, cursorId, offset),
    );
  }

  fetchCursor(stream: string, partition: number, cursorId: string): Observable<bigint> {
    return observeCall('FetchCursor', stream, fetchCursor(this.core, stream, partition, cursorId));
  }

  drain(options?: DrainOptions): Promise<void> {
    const timeout = planDrain(options, this.core.options.drainTimeout); // bad options throw here
    if (this.draining) return this.draining;
    if (this.closing) return this.closing;
    this.draining = this.core.drained(timeout).then(() => this.close());
    return this.draining;
  }

  async close(): Promise<void> {
    this.closing ??= this.core.shutDown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
