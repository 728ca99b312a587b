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
  codec,
  fromInt64,
} from './internal/wire.js';
import type { Message } from './message.js';

/**
 * Name of the server's activity stream, `'__activity'` (kept when the
 * server runs with `activity.stream.enabled: true`).
 *
 * @example
 * ```ts
 * const raw = client.subscribe(ACTIVITY_STREAM, { startPosition: StartPosition.EARLIEST });
 * raw.pipe(map(decodeActivity)).subscribe((event) => console.log(event.type));
 * ```
 */
export const ACTIVITY_STREAM = '__activity';

/**
 * What every activity event carries.
 * @inline
 */
interface EventBase {
  /** The event id (the Raft index it came from). */
  readonly id: bigint;
  /** Offset of the event in `__activity`. */
  readonly offset: bigint;
}

/**
 * One event of the activity stream (see {@link LiftbridgeClient.activity$});
 * switch on `type`. Every event has its `id` and `offset`.
 *
 * @example
 * ```ts
 * const describe = (event: ActivityEvent): string => {
 *   switch (event.type) {
 *     case 'streamCreated':
 *       return `created ${event.stream} (${event.partitions.length} partitions)`;
 *     case 'consumerJoined':
 *       return `${event.consumerId} joined ${event.groupId}`;
 *     default:
 *       return event.type;
 *   }
 * };
 * ```
 */
export type ActivityEvent = EventBase &
  (
    | {
        /** A stream was created. */
        readonly type: 'streamCreated';
        /** Its name. */
        readonly stream: string;
        /** Its partition numbers. */
        readonly partitions: number[];
      }
    | {
        /** A stream was deleted. */
        readonly type: 'streamDeleted';
        /** Its name. */
        readonly stream: string;
      }
    | {
        /** Partitions of a stream were paused. */
        readonly type: 'streamPaused';
        /** The stream. */
        readonly stream: string;
        /** The partitions paused. */
        readonly partitions: number[];
        /** Whether resuming one resumes them all. */
        readonly resumeAll: boolean;
      }
    | {
        /** Partitions of a stream were resumed. */
        readonly type: 'streamResumed';
        /** The stream. */
        readonly stream: string;
        /** The partitions resumed. */
        readonly partitions: number[];
      }
    | {
        /** The readonly flag of partitions was set or cleared. */
        readonly type: 'streamReadonly';
        /** The stream. */
        readonly stream: string;
        /** The partitions changed. */
        readonly partitions: number[];
        /** True: set; false: cleared. */
        readonly readonly: boolean;
      }
    | {
        /** A member joined a consumer group. */
        readonly type: 'consumerJoined';
        /** The group. */
        readonly groupId: string;
        /** The member. */
        readonly consumerId: string;
        /** The streams it consumes. */
        readonly streams: string[];
      }
    | {
        /** A member left a consumer group. */
        readonly type: 'consumerLeft';
        /** The group. */
        readonly groupId: string;
        /** The member. */
        readonly consumerId: string;
        /** True when the server removed the member for not fetching assignments in time. */
        readonly expired: boolean;
      }
    | {
        /** An operation this client does not know (a newer server). */
        readonly type: 'unknown';
        /** The operation's number in the server's protocol. */
        readonly op: number;
      }
  );

/**
 * Decodes one `__activity` message read some other way than
 * {@link LiftbridgeClient.activity$}.
 *
 * @param message - a message of the activity stream (its `value` and `offset` suffice).
 * @returns the typed event.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` when the value is not an activity event.
 * @example
 * ```ts
 * const message = await firstValueFrom(
 *   client.subscribe(ACTIVITY_STREAM, { startPosition: StartPosition.EARLIEST }),
 * );
 * const event = decodeActivity(message);
 * console.log(`${event.offset}: ${event.type}`);
 * ```
 */
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
