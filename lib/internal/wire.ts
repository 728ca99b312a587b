/**
 * The wire as the rest of the client sees it: the one door to
 * `lib/internal/grpc/`. Request and response shapes of the API (for the
 * RPCs the capabilities make through a leader- or broker-bound
 * connection), int64 conversions, channel credentials, and the
 * conversions of wire values into domain ones. Nothing outside
 * `lib/internal/` imports `lib/internal/grpc/` itself.
 */
export {
  type Ack__Decoded,
  type ActivityStreamEvent__Decoded,
  ActivityStreamOp,
  type ApiMethods,
  type CreateStreamRequest,
  type FetchMetadataResponse__Decoded,
  type Message__Decoded,
  type SubscribeRequest,
  type WireAckPolicy,
  type WireMessage,
} from './grpc/api-shapes.js';
/** protobufjs codecs by message name (envelopes, activity events): not for the hot paths. */
export { codec, fromInt64, toInt64 } from './grpc/codec.js';
export type { BrokerConnection } from './grpc/connection.js';
export { toPartitionInfo } from './grpc/convert.js';
export { type ChannelCredentials, makeCredentials } from './grpc/credentials.js';
export type { DecodedMessage } from './grpc/message-codec.js';
export { type CallPhase, endedAtStop } from './grpc/status.js';
