/**
 * The activity stream: the server's own log of cluster changes, in the
 * `__activity` stream (enabled by the server flag
 * `activity.stream.enabled: true`). Each message is a protobuf
 * ActivityStreamEvent, decoded here into a tagged union.
 */
import { ErrorCode, LiftbridgeError } from './errors.js';
import {
  type ActivityStreamEvent__Decoded,
  ActivityStreamOp,
} from './internal/grpc/api-types.generated.js';
import { codec, fromInt64 } from './internal/grpc/codec.js';
import type { Message } from './message.js';

/** Name of the server's activity stream. */
export const ACTIVITY_STREAM = '__activity';

interface EventBase {
  /** The event id (the Raft index it came from). */
  readonly id: bigint;
  /** Offset of the event in `__activity`. */
  readonly offset: bigint;
}

/** One event of the activity stream; switch on `type`. */
export type ActivityEvent = EventBase &
  (
    | { readonly type: 'streamCreated'; readonly stream: string; readonly partitions: number[] }
    | { readonly type: 'streamDeleted'; readonly stream: string }
    | {
        readonly type: 'streamPaused';
        readonly stream: string;
        readonly partitions: number[];
        readonly resumeAll: boolean;
      }
    | { readonly type: 'streamResumed'; readonly stream: string; readonly partitions: number[] }
    | {
        readonly type: 'streamReadonly';
        readonly stream: string;
        readonly partitions: number[];
        readonly readonly: boolean;
      }
    | {
        readonly type: 'consumerJoined';
        readonly groupId: string;
        readonly consumerId: string;
        readonly streams: string[];
      }
    | {
        readonly type: 'consumerLeft';
        readonly groupId: string;
        readonly consumerId: string;
        /** True when the server removed the member for not fetching assignments in time. */
        readonly expired: boolean;
      }
    /** An operation this client does not know (a newer server). */
    | { readonly type: 'unknown'; readonly op: number }
  );

/** Decodes one `__activity` message; INVALID_ARGUMENT when it is not an activity event. */
export function decodeActivity(message: Pick<Message, 'value' | 'offset'>): ActivityEvent {
  let raw: ActivityStreamEvent__Decoded;
  try {
    const value = message.value;
    raw = codec<never, ActivityStreamEvent__Decoded>('ActivityStreamEvent').deserialize(
      Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    );
  } catch (err) {
    throw new LiftbridgeError(ErrorCode.InvalidArgument, `not an activity event: ${String(err)}`, {
      cause: err,
    });
  }
  const base = { id: fromInt64(raw.id), offset: message.offset };
  switch (raw.op) {
    case ActivityStreamOp.CREATE_STREAM:
      return {
        ...base,
        type: 'streamCreated',
        stream: raw.createStreamOp?.stream ?? '',
        partitions: [...(raw.createStreamOp?.partitions ?? [])],
      };
    case ActivityStreamOp.DELETE_STREAM:
      return { ...base, type: 'streamDeleted', stream: raw.deleteStreamOp?.stream ?? '' };
    case ActivityStreamOp.PAUSE_STREAM:
      return {
        ...base,
        type: 'streamPaused',
        stream: raw.pauseStreamOp?.stream ?? '',
        partitions: [...(raw.pauseStreamOp?.partitions ?? [])],
        resumeAll: raw.pauseStreamOp?.resumeAll ?? false,
      };
    case ActivityStreamOp.RESUME_STREAM:
      return {
        ...base,
        type: 'streamResumed',
        stream: raw.resumeStreamOp?.stream ?? '',
        partitions: [...(raw.resumeStreamOp?.partitions ?? [])],
      };
    case ActivityStreamOp.SET_STREAM_READONLY:
      return {
        ...base,
        type: 'streamReadonly',
        stream: raw.setStreamReadonlyOp?.stream ?? '',
        partitions: [...(raw.setStreamReadonlyOp?.partitions ?? [])],
        readonly: raw.setStreamReadonlyOp?.readonly ?? false,
      };
    case ActivityStreamOp.JOIN_CONSUMER_GROUP:
      return {
        ...base,
        type: 'consumerJoined',
        groupId: raw.joinConsumerGroupOp?.groupId ?? '',
        consumerId: raw.joinConsumerGroupOp?.consumerId ?? '',
        streams: [...(raw.joinConsumerGroupOp?.streams ?? [])],
      };
    case ActivityStreamOp.LEAVE_CONSUMER_GROUP:
      return {
        ...base,
        type: 'consumerLeft',
        groupId: raw.leaveConsumerGroupOp?.groupId ?? '',
        consumerId: raw.leaveConsumerGroupOp?.consumerId ?? '',
        expired: raw.leaveConsumerGroupOp?.expired ?? false,
      };
    default:
      return { ...base, type: 'unknown', op: raw.op };
  }
}
