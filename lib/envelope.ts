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
import type {
  Ack__Decoded,
  Message__Decoded,
  Message as WireMessage,
} from './internal/grpc/api-types.generated.js';
import { codec, fromInt64, toInt64 } from './internal/grpc/codec.js';
import { ACK_POLICY_WIRE, type Ack, type AckPolicy, ackPolicyName, toHeaders } from './message.js';
import { buildPublishRequest, type HeadersInit } from './publish-request.js';
import { checkSubject } from './validate.js';

/** The first four bytes of every envelope. */
export const ENVELOPE_MAGIC: Uint8Array = Uint8Array.of(0xb9, 0x0e, 0x43, 0xb4);

/** Envelope message types a client sees (the others are server-internal). */
export const EnvelopeType = { Publish: 0, Ack: 1 } as const;

const VERSION = 0;
const MIN_HEADER = 8;
const CRC_FLAG = 0x01;

/** Options of {@link encodePublishEnvelope}. */
export interface PublishEnvelopeOptions {
  key?: Uint8Array | string;
  headers?: HeadersInit;
  /** NATS subject the server publishes the Ack to (needed for an ack). */
  ackInbox?: string;
  correlationId?: string;
  /** Default LEADER. */
  ackPolicy?: AckPolicy;
  /** Optimistic concurrency: the offset the partition must be at; default none (-1). */
  expectedOffset?: bigint | number;
  /** Add the optional CRC-32C of the payload. Default false (as the Go client). */
  crc?: boolean;
}

/** A publish decoded from an envelope. */
export interface EnvelopePublish {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly headers: ReadonlyMap<string, Uint8Array>;
  readonly ackInbox: string;
  readonly correlationId: string;
  readonly ackPolicy: AckPolicy;
  /** -1n: none. */
  readonly expectedOffset: bigint;
}

/** An Ack decoded from an envelope: what the server sent (no partition number on the wire). */
export type EnvelopeAck = Omit<Ack, 'partition'>;

/** What {@link decodeEnvelope} finds. */
export type Envelope =
  | { readonly type: 'publish'; readonly message: EnvelopePublish }
  | { readonly type: 'ack'; readonly ack: EnvelopeAck };

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
 * envelope. Arguments are validated as for publish (INVALID_ARGUMENT).
 */
export function encodePublishEnvelope(
  value: Uint8Array | string,
  options: PublishEnvelopeOptions = {},
): Uint8Array {
  const { crc, ackInbox, ...rest } = options;
  const req = buildPublishRequest(value, { ...rest, stream: 'envelope' });
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

/** An Ack wrapped in the envelope, as the server sends it to an ack inbox (for tests and tools). */
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

/** Whether `bytes` starts like an envelope (magic number and room for a header). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.byteLength > MIN_HEADER && ENVELOPE_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Decodes a publish or an ack envelope; INVALID_ARGUMENT when the bytes are
 * not one (magic, version, header length, CRC-32C, or an internal type).
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
