/**
 * What subscribers receive ({@link Message}) and publishers get back
 * ({@link Ack}), converted from the wire: int64 as bigint, bytes as
 * Uint8Array, headers as a Map.
 */
import type { WireAckPolicy } from './internal/wire.js';

/**
 * How the server acknowledges a publish (the `ackPolicy` option of
 * publishes); `LEADER` by default. See docs/delivery.md.
 *
 * @example
 * ```ts
 * const ack = await lastValueFrom(
 *   client.publish('payment #1', { stream: 'payments', ackPolicy: AckPolicy.ALL }),
 * );
 * ```
 * @enum
 */
export const AckPolicy = {
  /** Ack once the partition leader has stored the message (default). */
  LEADER: 'LEADER',
  /** Ack once every in-sync replica has stored it. */
  ALL: 'ALL',
  /** No ack: fire and forget. */
  NONE: 'NONE',
} as const;
/** One of {@link AckPolicy}: `'LEADER'`, `'ALL'` or `'NONE'`. */
export type AckPolicy = (typeof AckPolicy)[keyof typeof AckPolicy];

export const ACK_POLICY_WIRE: Record<AckPolicy, WireAckPolicy> = { LEADER: 0, ALL: 1, NONE: 2 };
const ACK_POLICY_NAMES: readonly AckPolicy[] = ['LEADER', 'ALL', 'NONE'];

/** Wire enum -> name. */
export function ackPolicyName(value: number): AckPolicy {
  return ACK_POLICY_NAMES[value] ?? 'LEADER';
}

/**
 * A message read from a stream partition ({@link LiftbridgeClient.subscribe}
 * emits them); int64 values are `bigint`, bytes are `Uint8Array`.
 *
 * @example
 * ```ts
 * client.subscribe('orders', { startPosition: StartPosition.EARLIEST }).subscribe((msg: Message) => {
 *   const text = new TextDecoder().decode(msg.value);
 *   console.log(`${msg.stream}/${msg.partition}@${msg.offset}: ${text}`);
 * });
 * ```
 */
export interface Message {
  /** Stream name. */
  readonly stream: string;
  /** Partition number. */
  readonly partition: number;
  /** Offset in the partition. */
  readonly offset: bigint;
  /** When the broker received it, nanoseconds since the epoch. */
  readonly timestamp: bigint;
  /** Message key (empty when none). */
  readonly key: Uint8Array;
  /** Message value, decompressed when it was sent compressed. */
  readonly value: Uint8Array;
  /** NATS subject it was received on. */
  readonly subject: string;
  /** NATS reply subject (reply inbox), often empty. */
  readonly replySubject: string;
  /** Headers; the server adds `subject` and `reply`, often with empty values. */
  readonly headers: ReadonlyMap<string, Uint8Array>;
  /** Correlation id the publisher set. */
  readonly correlationId: string;
  /** Ack inbox the publisher set. */
  readonly ackInbox: string;
  /** Ack policy the publisher used. */
  readonly ackPolicy: AckPolicy;
}

/**
 * The acknowledgement of one published message: {@link LiftbridgeClient.publish}
 * and {@link publishBulk} emit them.
 *
 * @example
 * ```ts
 * const ack: Ack = await lastValueFrom(client.publish('hello', { stream: 'orders' }));
 * const latencyMs = Number(ack.commitTimestamp - ack.receptionTimestamp) / 1e6;
 * console.log(`${ack.stream}/${ack.partition}@${ack.offset} committed in ${latencyMs} ms`);
 * ```
 */
export interface Ack {
  /** Stream the message was stored in. */
  readonly stream: string;
  /**
   * Partition the message was stored in: the server does not say, so it
   * comes from the request (for publishToSubject, from the subject).
   */
  readonly partition: number;
  /** Offset the message was committed at. */
  readonly offset: bigint;
  /** Correlation id of the request. */
  readonly correlationId: string;
  /** NATS subject of the partition, as the server reports it. */
  readonly partitionSubject: string;
  /** NATS subject the message was received on. */
  readonly msgSubject: string;
  /** Ack inbox of the request. */
  readonly ackInbox: string;
  /** Ack policy of the request. */
  readonly ackPolicy: AckPolicy;
  /** When the server received the message, nanoseconds since the epoch. */
  readonly receptionTimestamp: bigint;
  /** When the server committed the message, nanoseconds since the epoch. */
  readonly commitTimestamp: bigint;
}

/**
 * An {@link Ack} as JSON can carry it: the 64-bit fields (offset,
 * timestamps) as decimal strings, everything else as it is. `JSON.stringify`
 * cannot write a bigint, so an Ack returned from an HTTP handler must go
 * through {@link ackToJSON} (the NestJS proxy's `emit()` attaches it as
 * `toJSON` to the Acks it emits).
 *
 * @example
 * ```ts
 * const json: AckJSON = ackToJSON(await lastValueFrom(client.publish('hi', { stream: 'orders' })));
 * console.log(json.offset); // "0"
 * ```
 */
export type AckJSON = {
  readonly [K in keyof Ack]: Ack[K] extends bigint ? string : Ack[K];
};

/** An {@link Ack} as {@link AckJSON}: offset and timestamps as decimal strings. */
export function ackToJSON(ack: Ack): AckJSON {
  return {
    stream: ack.stream,
    partition: ack.partition,
    offset: ack.offset.toString(),
    correlationId: ack.correlationId,
    partitionSubject: ack.partitionSubject,
    msgSubject: ack.msgSubject,
    ackInbox: ack.ackInbox,
    ackPolicy: ack.ackPolicy,
    receptionTimestamp: ack.receptionTimestamp.toString(),
    commitTimestamp: ack.commitTimestamp.toString(),
  };
}

const EMPTY = new Uint8Array(0);

/** protobufjs decodes an empty bytes field as an empty array: always hand out a Uint8Array. */
export function bytes(value: Uint8Array | undefined): Uint8Array {
  return value instanceof Uint8Array ? value : EMPTY;
}

export function toHeaders(
  raw: { [key: string]: Uint8Array } | null | undefined,
): Map<string, Uint8Array> {
  const headers = new Map<string, Uint8Array>();
  if (raw) for (const key of Object.keys(raw)) headers.set(key, bytes(raw[key]));
  return headers;
}

/** An ack as decoded by protobufjs, its int64 fields made bigint. */
interface RawAck {
  stream: string;
  partitionSubject: string;
  msgSubject: string;
  offset: bigint;
  ackInbox: string;
  correlationId: string;
  ackPolicy: number;
  receptionTimestamp: bigint;
  commitTimestamp: bigint;
}

/** Wire ack (PublishToSubject's) -> public Ack; `partition` comes from the stream's subject. */
export function toAck(raw: RawAck, partition: number, correlationId: string): Ack {
  return {
    stream: raw.stream,
    partition,
    offset: raw.offset,
    correlationId: raw.correlationId || correlationId,
    partitionSubject: raw.partitionSubject,
    msgSubject: raw.msgSubject,
    ackInbox: raw.ackInbox,
    ackPolicy: ackPolicyName(raw.ackPolicy),
    receptionTimestamp: raw.receptionTimestamp,
    commitTimestamp: raw.commitTimestamp,
  };
}
