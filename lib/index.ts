/**
 * liftbridge-rx: a reactive (RxJS) client for Liftbridge. This file is the
 * whole public API: {@link LiftbridgeClient} and its options, the bulk
 * publishing operators, typed errors, the argument checks the client applies
 * (for wrappers that check input early), and the types they use.
 *
 * @example
 * ```ts
 * import { LiftbridgeClient, publishBulk, StartPosition, StopPosition } from 'liftbridge-rx';
 * import { lastValueFrom, map, range, toArray } from 'rxjs';
 *
 * await using client = new LiftbridgeClient(['127.0.0.1:9292']);
 * await lastValueFrom(client.createStream('orders'));
 * await lastValueFrom(
 *   range(0, 10).pipe(
 *     map((i) => client.getPublishRequest(`order ${i}`, { stream: 'orders' })),
 *     publishBulk(client),
 *   ),
 * );
 * const stored = await lastValueFrom(
 *   client
 *     .subscribe('orders', { startPosition: StartPosition.EARLIEST, stopPosition: StopPosition.LATEST })
 *     .pipe(toArray()),
 * );
 * ```
 * @packageDocumentation
 * @module liftbridge-rx
 */
export { ACTIVITY_STREAM, type ActivityEvent, decodeActivity } from './activity.js';
export type { CursorApi } from './admin/cursors.js';
export type { MetadataApi } from './admin/metadata.js';
export type { StreamAdminApi } from './admin/streams.js';
export {
  type CreateStreamOptions,
  LiftbridgeClient,
  type PauseStreamOptions,
  type PublishToSubjectOptions,
  type SetReadonlyOptions,
  type SinglePublishOptions,
} from './client.js';
export type { LiftbridgeClientApi } from './client-api.js';
export {
  COMPRESSION_METHODS,
  type CompressionMethod,
} from './compression.js';
export { CURSORS_STREAM, crc32, cursorPartition } from './cursors.js';
export {
  type CallEvent,
  type DeliverEvent,
  DIAGNOSTICS_CHANNELS,
  handleMessage,
  type LeaderMoveEvent,
  type ProcessEvent,
  type PublishEvent,
  type ResubscribeEvent,
  type RetryEvent,
  type SubscribeEvent,
} from './diagnostics.js';
export {
  decodeEnvelope,
  ENVELOPE_MAGIC,
  type Envelope,
  type EnvelopeAck,
  type EnvelopePublish,
  EnvelopeType,
  encodeAckEnvelope,
  encodePublishEnvelope,
  isEnvelope,
  type PublishEnvelopeOptions,
} from './envelope.js';
export {
  closedError,
  ErrorCode,
  invalidArgument,
  isLiftbridgeError,
  LiftbridgeError,
  type LiftbridgeErrorOptions,
} from './errors.js';
export {
  type DrainOptions,
  DrainState,
  guardOperation,
  type Lifecycle,
  type LiveOperations,
  planDrain,
} from './lifecycle.js';
export type { Logger } from './logger.js';
export { type Ack, type AckJSON, AckPolicy, ackToJSON, type Message } from './message.js';
export type {
  BrokerInfo,
  ClusterMetadata,
  ConsumerGroupInfo,
  EventTimestamps,
  PartitionInfo,
  StreamInfo,
} from './metadata/metadata.js';
export {
  AssignedPartition,
  type AutoOffset,
  type ConsumerGroupOptions,
  type GroupMessage,
  groupCursorId,
} from './observables/consumer-group.js';
export {
  consumeWithFlowControl,
  type FlowLifecycle,
  iterateWithFlowControl,
  type PausableSource,
} from './observables/flow-control.js';
export type { GroupApi } from './observables/group-api.js';
export { consumeGroupWithFlowControl, type GroupFlow } from './observables/group-flow.js';
export type { SubscribeOptions } from './observables/subscribe.js';
export type { SubscribeApi } from './observables/subscribe-api.js';
export {
  PublishBulkError,
  type PublishBulkErrorOptions,
  type PublishBulkOptions,
  type PublishFailure,
  type PublishOutcome,
  publishBulk,
  publishBulkFrom,
  publishBulkSettled,
} from './operators/publish-bulk.js';
export {
  type BrokerSelection,
  type ClientOptions,
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_BULK_CONCURRENCY,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_ENCODING_HEADER,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_METADATA_REFRESH_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_TIMEOUT_MS,
  type TlsOptions,
  type Transport,
} from './options.js';
export { type Partitioner, type PartitionFunction, Partitioning } from './partitioners.js';
export {
  type ConsumeOptions,
  type ConsumePlan,
  DEFAULT_CONCURRENCY,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_PREFETCH,
  type MessagesOptions,
  type MessagesPlan,
  planConsume,
  planMessages,
  type WaterMarks,
} from './plans/flow.js';
export {
  type ConsumeGroupOptions,
  type ConsumeGroupPlan,
  type ConsumerGroupPlan,
  planConsumeGroup,
  planConsumerGroup,
} from './plans/group.js';
export {
  type PublishRequestPlan,
  type PublishToSubjectPlan,
  planPublishRequest,
  planPublishToSubject,
} from './plans/publish.js';
export {
  type CursorPlan,
  checkCursorTarget,
  type PartitionPlan,
  planCursor,
  planFetchMetadata,
  planGroupId,
  planPartition,
  planSetCursor,
  type SetCursorPlan,
} from './plans/reads.js';
export {
  type CreateStreamPlan,
  type PauseStreamPlan,
  planCreateStream,
  planPauseStream,
  planSetStreamReadonly,
  type SetStreamReadonlyPlan,
} from './plans/streams.js';
export {
  type PartitionSubscribePlan,
  planPartitions,
  planSubscribe,
  type SubscribePlan,
} from './plans/subscribe.js';
export { StartPosition, StopPosition } from './positions.js';
export type { PublishApi } from './publish/publish.js';
export {
  type HeadersInit,
  type PublishOptions,
  type PublishRequest,
  planPublish,
} from './publish-request.js';
export type {
  ClientStatus,
  ClosedStatus,
  ConnectedStatus,
  DrainingStatus,
  LeaderChangedStatus,
  MetadataUpdatedStatus,
  PublishRejectedStatus,
  ReconnectingStatus,
} from './status.js';
export {
  type BrokerAddress,
  checkDuration,
  checkId,
  checkIndex,
  checkInt,
  checkInt64,
  checkStreamName,
  parseBroker,
} from './validate.js';
