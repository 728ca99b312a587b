/**
 * The Liftbridge envelope (server docs, envelope_protocol.md): how messages
 * published over plain NATS opt into Liftbridge features (acks, headers,
 * keys), and how acks arrive on an ack inbox.
 *
 *   magic B9 0E 43 B4 | version 0 | header length | flags | message type |
 *   [CRC-32C of the payload, big-endian, when flag bit 0 is set] | payload
 *
 * The payload is a protobuf `Message` (type 0, publish) or `Ack` (type 1).
 */
import { ErrorCode, LiftbridgeError } from './errors.js';
import { crc32c } from './internal/crc32c.js';
import {
  type Ack__Decoded,
  codec,
  fromInt64,
  type Message__Decoded,
  toInt64,
  type WireMessage,
} from './internal/wire.js';
import { ACK_POLICY_WIRE, type Ack, type AckPolicy, ackPolicyName, toHeaders } from './message.js';
import { type HeadersInit, planPublish } from './publish-request.js';
import { checkSubject } from './validate.js';

/**
 * The first four bytes of every envelope: `B9 0E 43 B4`.
 *
 * @example
 * ```ts
 * const bytes = encodePublishEnvelope('hello');
 * console.log(ENVELOPE_MAGIC.every((b, i) => bytes[i] === b)); // true
 * ```
 */
export const ENVELOPE_MAGIC: Uint8Array = Uint8Array.of(0xb9, 0x0e, 0x43, 0xb4);

/**
 * Envelope message types a client sees (the others are server-internal):
 * the byte at offset 7 of an envelope.
 *
 * @example
 * ```ts
 * const bytes = encodePublishEnvelope('hello');
 * console.log(bytes[7] === EnvelopeType.Publish); // true
 * ```
 * @enum
 */
export const EnvelopeType = {
  /** A message to publish (a protobuf `Message`). */
  Publish: 0,
  /** An ack the server sends to an ack inbox (a protobuf `Ack`). */
  Ack: 1,
} as const;

const VERSION = 0;
const MIN_HEADER = 8;
const CRC_FLAG = 0x01;

/**
 * Options of {@link encodePublishEnvelope}.
 *
 * @example
 * ```ts
 * const options: PublishEnvelopeOptions = {
 *   key: 'customer-7',
 *   ackInbox: 'acks.orders',
 *   correlationId: 'order-1',
 *   ackPolicy: AckPolicy.ALL,
 *   crc: true,
 * };
 * const bytes = encodePublishEnvelope('order #1', options);
 * ```
 */
export interface PublishEnvelopeOptions {
  /**
   * Message key.
   * @defaultValue none (empty)
   */
  key?: Uint8Array | string;
  /**
   * Message headers.
   * @defaultValue none
   */
  headers?: HeadersInit;
  /**
   * NATS subject the server publishes the Ack to (needed for an ack).
   * @defaultValue none: no ack is sent
   */
  ackInbox?: string;
  /**
   * Correlation id, returned in the Ack.
   * @defaultValue none (empty)
   */
  correlationId?: string;
  /**
   * How the server acknowledges.
   * @defaultValue `'LEADER'`
   */
  ackPolicy?: AckPolicy;
  /**
   * Optimistic concurrency: the offset the partition must be at (0 or more).
   * @defaultValue none (sent as -1)
   */
  expectedOffset?: bigint | number;
  /**
   * Add the optional CRC-32C of the payload.
   * @defaultValue false (as the Go client)
   */
  crc?: boolean;
}

/**
 * A publish decoded from an envelope (`{ type: 'publish', message }` of
 * {@link decodeEnvelope}).
 *
 * @example
 * ```ts
 * const decoded = decodeEnvelope(encodePublishEnvelope('hello', { key: 'k' }));
 * if (decoded.type === 'publish') console.log(Buffer.from(decoded.message.value).toString());
 * ```
 */
export interface EnvelopePublish {
  /** Message key (empty when none). */
  readonly key: Uint8Array;
  /** Message value. */
  readonly value: Uint8Array;
  /** Message headers. */
  readonly headers: ReadonlyMap<string, Uint8Array>;
  /** NATS subject for the Ack (empty when none). */
  readonly ackInbox: string;
  /** Correlation id (empty when none). */
  readonly correlationId: string;
  /** Ack policy. */
  readonly ackPolicy: AckPolicy;
  /** Optimistic concurrency: the offset the partition must be at; -1n: none. */
  readonly expectedOffset: bigint;
}

/**
 * An Ack decoded from an envelope: what the server sent (an {@link Ack}
 * without `partition`: the envelope does not carry it).
 *
 * @example
 * ```ts
 * const ack: EnvelopeAck = {
 *   stream: 'orders',
 *   partitionSubject: 'orders',
 *   msgSubject: 'orders',
 *   offset: 42n,
 *   ackInbox: 'acks.orders',
 *   correlationId: 'order-1',
 *   ackPolicy: AckPolicy.LEADER,
 *   receptionTimestamp: 0n,
 *   commitTimestamp: 0n,
 * };
 * const bytes = encodeAckEnvelope(ack);
 * ```
 */
export type EnvelopeAck = Omit<Ack, 'partition'>;

/**
 * What {@link decodeEnvelope} finds; switch on `type`.
 *
 * @example
 * ```ts
 * const describe = (envelope: Envelope): string =>
 *   envelope.type === 'ack'
 *     ? `ack of ${envelope.ack.correlationId} at ${envelope.ack.offset}`
 *     : `publish of ${envelope.message.value.byteLength} bytes`;
 * ```
 */
export type Envelope =
  | {
      /** A message to publish. */
      readonly type: 'publish';
      /** The message. */
      readonly message: EnvelopePublish;
    }
  | {
      /** An ack from the server. */
      readonly type: 'ack';
      /** The ack. */
      readonly ack: EnvelopeAck;
    };

function bad(why: string): LiftbridgeError {
  return new LiftbridgeError(ErrorCode.InvalidArgument, `envelope: ${why}`);
}

function wrap(payload: Uint8Array, type: number, crc: boolean): Uint8Array {
  const header = crc ? MIN_HEADER + 4 : MIN_HEADER;
  const out = new Uint8Array(header + payload.byteLength);
  out.set(ENVELOPE_MAGIC, 0);
  out[4] = VERSION;
  out[5] = header;
  out[6] = crc ? CRC_FLAG : 0;
  out[7] = type;
  if (crc) new DataView(out.buffer).setUint32(MIN_HEADER, crc32c(payload));
  out.set(payload, header);
  return out;
}

/**
 * A message to publish over plain NATS to a stream's subject, wrapped in the
 * envelope; the server's ack (if `ackInbox` is set) arrives on that subject,
 * for {@link decodeEnvelope}.
 *
 * @param value - the message value; a string is encoded as UTF-8.
 * @param options - see {@link PublishEnvelopeOptions}.
 * @returns the envelope bytes.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` for bad arguments
 *   (validated as for publish).
 * @example
 * ```ts
 * const bytes = encodePublishEnvelope('order #1', {
 *   key: 'customer-7',
 *   ackInbox: 'acks.orders',
 *   correlationId: 'order-1',
 *   ackPolicy: AckPolicy.ALL,
 *   crc: true,
 * });
 * // publish `bytes` to the stream's subject with any NATS client
 * ```
 */
export function encodePublishEnvelope(
  value: Uint8Array | string,
  options: PublishEnvelopeOptions = {},
): Uint8Array {
  const { crc, ackInbox, ...rest } = options;
  const req = planPublish(value, { ...rest, stream: 'envelope' });
  const message: WireMessage = {
    offset: toInt64(req.expectedOffset),
    key: req.key,
    value: req.value,
    headers: Object.fromEntries(req.headers),
    ackInbox: ackInbox === undefined ? '' : checkSubject(ackInbox, 'ackInbox'),
    correlationId: req.correlationId ?? '',
    ackPolicy: ACK_POLICY_WIRE[req.ackPolicy],
  };
  return wrap(codec<WireMessage, never>('Message').serialize(message), EnvelopeType.Publish, !!crc);
}

/**
 * An Ack wrapped in the envelope, as the server sends it to an ack inbox
 * (for tests and tools).
 *
 * @param ack - the ack.
 * @param options - `crc`: add the CRC-32C of the payload (default false).
 * @returns the envelope bytes.
 * @example
 * ```ts
 * const bytes = encodeAckEnvelope(
 *   {
 *     stream: 'orders',
 *     partitionSubject: 'orders',
 *     msgSubject: 'orders',
 *     offset: 7n,
 *     ackInbox: 'acks.orders',
 *     correlationId: 'order-1',
 *     ackPolicy: AckPolicy.LEADER,
 *     receptionTimestamp: 0n,
 *     commitTimestamp: 0n,
 *   },
 *   { crc: true },
 * );
 * ```
 */
export function encodeAckEnvelope(ack: EnvelopeAck, options: { crc?: boolean } = {}): Uint8Array {
  const payload = codec<object, never>('Ack').serialize({
    stream: ack.stream,
    partitionSubject: ack.partitionSubject,
    msgSubject: ack.msgSubject,
    offset: toInt64(ack.offset),
    ackInbox: ack.ackInbox,
    correlationId: ack.correlationId,
    ackPolicy: ACK_POLICY_WIRE[ack.ackPolicy],
    receptionTimestamp: toInt64(ack.receptionTimestamp),
    commitTimestamp: toInt64(ack.commitTimestamp),
  });
  return wrap(payload, EnvelopeType.Ack, !!options.crc);
}

/**
 * Whether `bytes` starts like an envelope (the magic number, and more
 * bytes than the 8-byte header); it does not check the rest.
 *
 * @param bytes - data received over NATS.
 * @example
 * ```ts
 * console.log(isEnvelope(encodePublishEnvelope('x'))); // true
 * console.log(isEnvelope(new TextEncoder().encode('plain NATS message'))); // false
 * ```
 */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.byteLength > MIN_HEADER && ENVELOPE_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Decodes a publish or an ack envelope.
 *
 * @param bytes - an envelope, such as a message received on an ack inbox.
 * @returns `{ type: 'publish', message }` or `{ type: 'ack', ack }`.
 * @throws {@link LiftbridgeError} `INVALID_ARGUMENT` when the bytes are not
 *   one (magic number, version, header length, CRC-32C, payload, or a
 *   server-internal message type).
 * @example
 * ```ts
 * const envelope = decodeEnvelope(encodePublishEnvelope('hello', { correlationId: 'c1' }));
 * if (envelope.type === 'publish') console.log(envelope.message.correlationId); // c1
 * ```
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (!isEnvelope(bytes)) throw bad('no Liftbridge envelope (magic number missing)');
  if (bytes[4] !== VERSION) throw bad(`unknown protocol version ${bytes[4]}`);
  const header = bytes[5] as number;
  const flags = bytes[6] as number;
  const type = bytes[7] as number;
  const withCrc = (flags & CRC_FLAG) !== 0;
  if (header !== (withCrc ? MIN_HEADER + 4 : MIN_HEADER) || header > bytes.byteLength)
    throw bad(`bad header length ${header}`);
  const payload = bytes.subarray(header);
  if (withCrc) {
    const expected = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MIN_HEADER);
    const actual = crc32c(payload);
    if (expected !== actual) throw bad(`CRC-32C mismatch (header ${expected}, payload ${actual})`);
  }
  const data = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  try {
    if (type === EnvelopeType.Publish) {
      const m = codec<never, Message__Decoded>('Message').deserialize(data);
      return {
        type: 'publish',
        message: {
          key: new Uint8Array(m.key),
          value: new Uint8Array(m.value),
          headers: toHeaders(m.headers),
          ackInbox: m.ackInbox,
          correlationId: m.correlationId,
          ackPolicy: ackPolicyName(m.ackPolicy),
          expectedOffset: fromInt64(m.offset),
        },
      };
    }
    if (type === EnvelopeType.Ack) {
      const a = codec<never, Ack__Decoded>('Ack').deserialize(data);
      return {
        type: 'ack',
        ack: {
          stream: a.stream,
          partitionSubject: a.partitionSubject,
          msgSubject: a.msgSubject,
          offset: fromInt64(a.offset),
          ackInbox: a.ackInbox,
          correlationId: a.correlationId,
          ackPolicy: ackPolicyName(a.ackPolicy),
          receptionTimestamp: fromInt64(a.receptionTimestamp),
          commitTimestamp: fromInt64(a.commitTimestamp),
        },
      };
    }
  } catch (err) {
    throw new LiftbridgeError(ErrorCode.InvalidArgument, `envelope: bad payload (${String(err)})`, {
      cause: err,
    });
  }
  throw bad(`message type ${type} is internal to the server`);
}
