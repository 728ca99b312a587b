/**
 * The API's message shapes and enums (generated from proto/api.proto), as
 * the rest of the client may see them through lib/internal/wire.ts.
 */
export {
  type Ack__Decoded,
  type AckPolicy as WireAckPolicy,
  type ActivityStreamEvent__Decoded,
  ActivityStreamOp,
  type ApiMethods,
  type CreateStreamRequest,
  type FetchMetadataResponse__Decoded,
  type Message as WireMessage,
  type Message__Decoded,
  type SubscribeRequest,
} from './api-types.generated.js';
