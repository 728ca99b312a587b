/**
 * The hand-written protobuf decoders (message-codec, publish-codec) under
 * generated input: valid messages with unknown fields of every wire type
 * decode as protobufjs decodes them, and broken bytes (cut, mutated, random,
 * hostile) end in a WireFormatError (MessageDecoder) or a `malformed`
 * reason (decodePublishResponse), never in another error or a hang.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { codec, fromInt64, toInt64 } from '../../lib/internal/grpc/codec.js';
import { type DecodedMessage, MessageDecoder } from '../../lib/internal/grpc/message-codec.js';
import { MAX_DEPTH, WireFormatError } from '../../lib/internal/grpc/proto-reader.js';
import {
  type DecodedPublishResponse,
  decodePublishResponse,
  encodePublishRequest,
  type WirePublish,
} from '../../lib/internal/grpc/publish-codec.js';

// ---------------------------------------------------------------- wire bytes

type Long64 = Parameters<typeof fromInt64>[0];
type PbBytes = Uint8Array | number[];

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** The largest field number protobuf allows. */
const MAX_FIELD = 536_870_911;

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const FIXED32 = 5;

/** Any non-negative integer as a varint (more than 64 bits too: 11+ bytes). */
function uvarint(value: bigint): Buffer {
  let u = value;
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out);
}

/** An int64 as protobuf writes it (negatives: ten bytes, two's complement). */
const varint64 = (value: bigint) => uvarint(BigInt.asUintN(64, value));

/** A field's key; bigint math, so field numbers up to 2^29 - 1 do not overflow. */
const key = (field: number, wire: number) => uvarint(BigInt(field) * 8n + BigInt(wire));

/** A length-delimited field. */
const len = (field: number, payload: Uint8Array) =>
  Buffer.concat([key(field, LEN), uvarint(BigInt(payload.length)), payload]);

const utf8 = (s: string) => Buffer.from(s, 'utf8');

function hex(b: PbBytes): string {
  return b instanceof Uint8Array
    ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
    : Buffer.from(b).toString('hex');
}

/** `parts` with each unknown field spliced in at its (wrapped) place. */
function interleave(parts: Buffer[], extras: readonly (readonly [number, Buffer])[]): Buffer[] {
  const out = [...parts];
  for (const [at, field] of extras) out.splice(at % (out.length + 1), 0, field);
  return out;
}

/** A permutation of `items` driven by `seeds` (none: the order as given). */
function permute<T>(items: readonly T[], seeds: readonly number[]): T[] {
  const out = [...items];
  if (seeds.length === 0) return out;
  for (let i = out.length - 1; i > 0; i--) {
    const j = (seeds[i % seeds.length] as number) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Where each part starts and the whole ends: the field boundaries of the concatenation. */
function boundaries(parts: readonly Buffer[]): Set<number> {
  const at = new Set([0]);
  let sum = 0;
  for (const p of parts) {
    sum += p.length;
    at.add(sum);
  }
  return at;
}

// ---------------------------------------------------------------- arbitraries

const int64 = fc.bigInt({ min: INT64_MIN, max: INT64_MAX });
const int32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });
const policy = fc.integer({ min: 0, max: 2 });
/** Valid Unicode (no lone surrogates: those cannot survive UTF-8), ASCII, long ones, repeats. */
const text = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 33, maxLength: 300 }), weight: 1 },
  { arbitrary: fc.constantFrom('orders', 'orders.7', 'inbox.1', 'é-ß', '🚀'), weight: 2 },
);
const bytes = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 5 },
  { arbitrary: fc.uint8Array({ minLength: 200, maxLength: 2000 }), weight: 1 },
);
/** protobufjs decodes a map into a plain object: `__proto__` would set its prototype instead. */
const headerName = fc
  .oneof(
    { arbitrary: text, weight: 3 },
    { arbitrary: fc.constantFrom('subject', 'reply', 'h', '1', 'x-trace'), weight: 2 },
  )
  .filter((name) => name !== '__proto__');

/** Field numbers no message here uses, up to the largest allowed. */
const unknownNumber = fc.oneof(
  { arbitrary: fc.integer({ min: 13, max: 1000 }), weight: 4 },
  { arbitrary: fc.constantFrom(15, 16, 2047, 2048, 18_999, MAX_FIELD), weight: 1 },
);

/** One unknown field of any wire type; groups nest `depth` more levels of them. */
function unknownField(depth: number): fc.Arbitrary<Buffer> {
  const leaves: fc.Arbitrary<Buffer>[] = [
    fc
      .tuple(unknownNumber, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
      .map(([n, v]) => Buffer.concat([key(n, VARINT), uvarint(v)])),
    fc
      .tuple(unknownNumber, fc.uint8Array({ minLength: 8, maxLength: 8 }))
      .map(([n, b]) => Buffer.concat([key(n, FIXED64), b])),
    fc.tuple(unknownNumber, fc.uint8Array({ maxLength: 40 })).map(([n, b]) => len(n, b)),
    fc
      .tuple(unknownNumber, fc.uint8Array({ minLength: 4, maxLength: 4 }))
      .map(([n, b]) => Buffer.concat([key(n, FIXED32), b])),
  ];
  if (depth === 0) return fc.oneof(...leaves);
  const group = fc
    .tuple(unknownNumber, fc.array(unknownField(depth - 1), { maxLength: 3 }))
    .map(([n, inner]) => Buffer.concat([key(n, START_GROUP), ...inner, key(n, END_GROUP)]));
  return fc.oneof(...leaves, group);
}

/** Unknown fields and where to put them. */
const extras = (max: number) => fc.array(fc.tuple(fc.nat(), unknownField(2)), { maxLength: max });

interface MessageModel {
  offset: bigint;
  key: Uint8Array;
  value: Uint8Array;
  timestamp: bigint;
  stream: string;
  partition: number;
  subject: string;
  replySubject: string;
  headers: [string, Uint8Array, (readonly [number, Buffer])[]][];
  ackInbox: string;
  correlationId: string;
  ackPolicy: number;
}

const messageModel: fc.Arbitrary<MessageModel> = fc.record({
  offset: int64,
  key: bytes,
  value: bytes,
  timestamp: int64,
  stream: text,
  partition: int32,
  subject: text,
  replySubject: text,
  headers: fc.uniqueArray(fc.tuple(headerName, bytes, extras(2)), {
    selector: ([name]) => name,
    maxLength: 8,
  }),
  ackInbox: text,
  correlationId: text,
  ackPolicy: policy,
});

const pbMessage = codec<object, PbMessage>('Message');

/** One part per field, each encoded alone by protobufjs; header entries carry their unknown fields. */
function messageParts(m: MessageModel): Buffer[] {
  const parts = [
    pbMessage.serialize({ offset: toInt64(m.offset) }),
    pbMessage.serialize({ key: m.key }),
    pbMessage.serialize({ value: m.value }),
    pbMessage.serialize({ timestamp: toInt64(m.timestamp) }),
    pbMessage.serialize({ stream: m.stream }),
    pbMessage.serialize({ partition: m.partition }),
    pbMessage.serialize({ subject: m.subject }),
    pbMessage.serialize({ replySubject: m.replySubject }),
    ...m.headers.map(([name, value, inner]) =>
      len(9, Buffer.concat(interleave([len(1, utf8(name)), len(2, value)], inner))),
    ),
    pbMessage.serialize({ ackInbox: m.ackInbox }),
    pbMessage.serialize({ correlationId: m.correlationId }),
    pbMessage.serialize({ ackPolicy: m.ackPolicy }),
  ];
  return parts.filter((p) => p.length > 0);
}

/** A generated Message: its parts (fields and unknown fields, in some order) and its model. */
const messageWire = fc
  .tuple(messageModel, extras(8), fc.array(fc.nat(), { maxLength: 12 }))
  .map(([model, unknown, seeds]) => {
    const parts = interleave(permute(messageParts(model), seeds), unknown);
    return { model, parts, bytes: Buffer.concat(parts) };
  });

// ---------------------------------------------------------------- comparing

const POLICY_NAMES = ['LEADER', 'ALL', 'NONE'];

interface PbMessage {
  offset: Long64;
  key: PbBytes;
  value: PbBytes;
  timestamp: Long64;
  stream: string;
  partition: number;
  subject: string;
  replySubject: string;
  headers: Record<string, PbBytes>;
  ackInbox: string;
  correlationId: string;
  ackPolicy: number;
}

/** A Message in one comparable shape: bytes as hex, headers sorted by name. */
interface PlainMessage {
  offset: bigint;
  key: string;
  value: string;
  timestamp: bigint;
  stream: string;
  partition: number;
  subject: string;
  replySubject: string;
  headers: [string, string][];
  ackInbox: string;
  correlationId: string;
  ackPolicy: string;
}

const byName = (a: [string, string], b: [string, string]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

function plainOfDecoded(m: DecodedMessage): PlainMessage {
  return {
    offset: m.offset,
    key: hex(m.key),
    value: hex(m.value),
    timestamp: m.timestamp,
    stream: m.stream,
    partition: m.partition,
    subject: m.subject,
    replySubject: m.replySubject,
    headers: [...m.headers].map(([k, v]): [string, string] => [k, hex(v)]).sort(byName),
    ackInbox: m.ackInbox,
    correlationId: m.correlationId,
    ackPolicy: m.ackPolicy,
  };
}

function plainOfProtobufjs(m: PbMessage): PlainMessage {
  return {
    offset: fromInt64(m.offset),
    key: hex(m.key),
    value: hex(m.value),
    timestamp: fromInt64(m.timestamp),
    stream: m.stream,
    partition: m.partition,
    subject: m.subject,
    replySubject: m.replySubject,
    headers: Object.entries(m.headers)
      .map(([k, v]): [string, string] => [k, hex(v)])
      .sort(byName),
    ackInbox: m.ackInbox,
    correlationId: m.correlationId,
    ackPolicy: POLICY_NAMES[m.ackPolicy] ?? 'LEADER',
  };
}

function plainOfModel(m: MessageModel): PlainMessage {
  return {
    offset: m.offset,
    key: hex(m.key),
    value: hex(m.value),
    timestamp: m.timestamp,
    stream: m.stream,
    partition: m.partition,
    subject: m.subject,
    replySubject: m.replySubject,
    headers: m.headers.map(([k, v]): [string, string] => [k, hex(v)]).sort(byName),
    ackInbox: m.ackInbox,
    correlationId: m.correlationId,
    ackPolicy: POLICY_NAMES[m.ackPolicy] ?? 'LEADER',
  };
}

/** A sanity bound only: the decoders are synchronous, so returning at all proves no hang. */
const WALL_CLOCK_MS = 1000;

type Outcome = { ok: true; value: PlainMessage } | { ok: false; reason: string };

/**
 * MessageDecoder on `buf` (a window of it): what it returned, or the
 * WireFormatError it threw; anything else thrown fails the property.
 */
function decodeMessage(
  buf: Buffer,
  start?: number,
  end?: number,
  decoder = new MessageDecoder(),
): Outcome {
  const t0 = performance.now();
  try {
    return { ok: true, value: plainOfDecoded(decoder.decode(buf, start, end)) };
  } catch (err) {
    assert.ok(
      err instanceof WireFormatError,
      `MessageDecoder threw a non-WireFormatError on ${buf.subarray(start, end).toString('hex')}: ${String(err)}`,
    );
    return { ok: false, reason: err.message };
  } finally {
    assert.ok(performance.now() - t0 < WALL_CLOCK_MS, 'decode took over a second');
  }
}

/** decodePublishResponse on `buf`: must return (never throw), `malformed` a string or undefined. */
function decodeResponse(buf: Buffer, start?: number, end?: number): DecodedPublishResponse {
  const t0 = performance.now();
  let res: DecodedPublishResponse;
  try {
    res = decodePublishResponse(buf, start, end);
  } catch (err) {
    assert.fail(
      `decodePublishResponse threw on ${buf.subarray(start, end).toString('hex')}: ${String(err)}`,
    );
  }
  assert.ok(performance.now() - t0 < WALL_CLOCK_MS, 'decode took over a second');
  assert.ok(res.malformed === undefined || typeof res.malformed === 'string');
  return res;
}

// ---------------------------------------------------------------- PublishResponse

interface AckModel {
  stream: string;
  partitionSubject: string;
  msgSubject: string;
  offset: bigint;
  ackInbox: string;
  correlationId: string;
  ackPolicy: number;
  receptionTimestamp: bigint;
  commitTimestamp: bigint;
  ackError: number;
}

interface ResponseModel {
  ack: AckModel | undefined;
  asyncError: { code: number; message: string } | undefined;
  correlationId: string;
}

const ackModel: fc.Arbitrary<AckModel> = fc.record({
  stream: text,
  partitionSubject: text,
  msgSubject: text,
  offset: int64,
  ackInbox: text,
  correlationId: text,
  ackPolicy: policy,
  receptionTimestamp: int64,
  commitTimestamp: int64,
  // An enum: any int32 is valid on the wire (protobufjs keeps unknown values as numbers).
  ackError: fc.oneof(fc.integer({ min: 0, max: 4 }), int32),
});

const responseModel: fc.Arbitrary<ResponseModel> = fc
  .record({
    ack: fc.option(ackModel, { nil: undefined }),
    asyncError: fc.option(fc.record({ code: int32, message: text }), { nil: undefined }),
    correlationId: text,
    sameId: fc.boolean(),
  })
  .map(({ sameId, ...r }) =>
    // The server repeats the ack's id at the top: the decoder reuses it when the bytes match.
    sameId && r.ack ? { ...r, correlationId: r.ack.correlationId } : r,
  );

const pbAck = codec<object, never>('Ack');
const pbAsyncError = codec<object, never>('PublishAsyncError');
const pbResponse = codec<object, PbResponse>('PublishResponse');

interface PbAck {
  stream: string;
  partitionSubject: string;
  msgSubject: string;
  offset: Long64;
  ackInbox: string;
  correlationId: string;
  ackPolicy: number;
  receptionTimestamp: Long64;
  commitTimestamp: Long64;
  ackError: number;
}

interface PbResponse {
  ack: PbAck | null;
  asyncError: { code: number; message: string } | null;
  correlationId: string;
}

interface ResponseExtras {
  top: (readonly [number, Buffer])[];
  ack: (readonly [number, Buffer])[];
  asyncError: (readonly [number, Buffer])[];
  seeds: number[];
}

/** Top-level parts of a PublishResponse; ack and asyncError hold unknown fields of their own. */
function responseParts(r: ResponseModel, x: ResponseExtras): Buffer[] {
  const parts: Buffer[] = [];
  if (r.ack) {
    const a = r.ack;
    const fields = [
      pbAck.serialize({ stream: a.stream }),
      pbAck.serialize({ partitionSubject: a.partitionSubject }),
      pbAck.serialize({ msgSubject: a.msgSubject }),
      pbAck.serialize({ offset: toInt64(a.offset) }),
      pbAck.serialize({ ackInbox: a.ackInbox }),
      pbAck.serialize({ correlationId: a.correlationId }),
      pbAck.serialize({ ackPolicy: a.ackPolicy }),
      pbAck.serialize({ receptionTimestamp: toInt64(a.receptionTimestamp) }),
      pbAck.serialize({ commitTimestamp: toInt64(a.commitTimestamp) }),
      pbAck.serialize({ ackError: a.ackError }),
    ];
    parts.push(len(1, Buffer.concat(interleave(permute(fields, x.seeds), x.ack))));
  }
  if (r.asyncError) {
    const fields = [
      pbAsyncError.serialize({ code: r.asyncError.code }),
      pbAsyncError.serialize({ message: r.asyncError.message }),
    ];
    parts.push(len(2, Buffer.concat(interleave(fields, x.asyncError))));
  }
  parts.push(pbResponse.serialize({ correlationId: r.correlationId }));
  return interleave(
    permute(
      parts.filter((p) => p.length > 0),
      x.seeds,
    ),
    x.top,
  );
}

const responseWire = fc
  .tuple(
    responseModel,
    fc.record({
      top: extras(6),
      ack: extras(4),
      asyncError: extras(2),
      seeds: fc.array(fc.nat(), { maxLength: 10 }),
    }),
  )
  .map(([model, x]) => {
    const parts = responseParts(model, x);
    return { model, parts, bytes: Buffer.concat(parts) };
  });

interface PlainAck {
  stream: string;
  partitionSubject: string;
  msgSubject: string;
  offset: bigint;
  ackInbox: string;
  correlationId: string;
  ackPolicy: string;
  receptionTimestamp: bigint;
  commitTimestamp: bigint;
}

interface PlainResponse {
  ack: PlainAck | undefined;
  ackError: number;
  asyncError: { code: number; message: string } | undefined;
  correlationId: string;
}

function plainOfDecodedResponse(r: DecodedPublishResponse): PlainResponse {
  const a = r.ack;
  return {
    ack: a && {
      stream: a.stream,
      partitionSubject: a.partitionSubject,
      msgSubject: a.msgSubject,
      offset: a.offset,
      ackInbox: a.ackInbox,
      correlationId: a.correlationId,
      ackPolicy: a.ackPolicy,
      receptionTimestamp: a.receptionTimestamp,
      commitTimestamp: a.commitTimestamp,
    },
    ackError: r.ackError,
    asyncError: r.asyncError && { code: r.asyncError.code, message: r.asyncError.message },
    correlationId: r.correlationId,
  };
}

function plainOfAck(a: AckModel | PbAck): PlainAck {
  return {
    stream: a.stream,
    partitionSubject: a.partitionSubject,
    msgSubject: a.msgSubject,
    offset: typeof a.offset === 'bigint' ? a.offset : fromInt64(a.offset),
    ackInbox: a.ackInbox,
    correlationId: a.correlationId,
    ackPolicy: POLICY_NAMES[a.ackPolicy] ?? 'LEADER',
    receptionTimestamp:
      typeof a.receptionTimestamp === 'bigint'
        ? a.receptionTimestamp
        : fromInt64(a.receptionTimestamp),
    commitTimestamp:
      typeof a.commitTimestamp === 'bigint' ? a.commitTimestamp : fromInt64(a.commitTimestamp),
  };
}

function plainOfProtobufjsResponse(r: PbResponse): PlainResponse {
  return {
    ack: r.ack ? plainOfAck(r.ack) : undefined,
    ackError: r.ack?.ackError ?? 0,
    asyncError: r.asyncError
      ? { code: r.asyncError.code, message: r.asyncError.message }
      : undefined,
    correlationId: r.correlationId,
  };
}

function plainOfResponseModel(r: ResponseModel): PlainResponse {
  return {
    ack: r.ack && plainOfAck(r.ack),
    ackError: r.ack?.ackError ?? 0,
    asyncError: r.asyncError && { code: r.asyncError.code, message: r.asyncError.message },
    correlationId: r.correlationId,
  };
}

// ---------------------------------------------------------------- PublishRequest

interface PbRequest {
  key: PbBytes;
  value: PbBytes;
  stream: string;
  partition: number;
  headers: Record<string, PbBytes>;
  ackInbox: string;
  correlationId: string;
  ackPolicy: number;
  expectedOffset: Long64;
}

const pbRequest = codec<object, PbRequest>('PublishRequest');

const wirePublish: fc.Arbitrary<WirePublish> = fc.record({
  key: bytes,
  value: bytes,
  stream: text,
  // What the publisher sends: checkIndex and the partitioners keep it in [0, 2^31).
  partition: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: INT32_MAX })),
  headers: fc.option(
    fc
      .uniqueArray(fc.tuple(headerName, bytes), { selector: ([name]) => name, maxLength: 8 })
      .map((entries) => new Map(entries)),
    { nil: undefined },
  ),
  correlationId: text,
  ackPolicy: policy,
  expectedOffset: fc.oneof(int64, fc.constantFrom(-1n, 0n, INT64_MIN, INT64_MAX)),
});

/** The request as protobufjs encodes it (proto3: default values left out, as the codec does). */
function protobufjsRequest(r: WirePublish): object {
  const o: Record<string, unknown> = {};
  if (r.key.byteLength > 0) o['key'] = r.key;
  if (r.value.byteLength > 0) o['value'] = r.value;
  if (r.stream !== '') o['stream'] = r.stream;
  if (r.partition !== 0) o['partition'] = r.partition;
  if (r.headers && r.headers.size > 0) o['headers'] = Object.fromEntries(r.headers);
  if (r.correlationId !== '') o['correlationId'] = r.correlationId;
  if (r.ackPolicy !== 0) o['ackPolicy'] = r.ackPolicy;
  if (r.expectedOffset !== 0n) o['expectedOffset'] = toInt64(r.expectedOffset);
  return o;
}

function plainOfRequest(r: WirePublish | PbRequest) {
  const headers =
    r.headers instanceof Map ? [...r.headers] : Object.entries(r.headers ?? ({} as object));
  return {
    key: hex(r.key),
    value: hex(r.value),
    stream: r.stream,
    partition: r.partition,
    headers: headers.map(([k, v]): [string, string] => [k, hex(v as PbBytes)]).sort(byName),
    correlationId: r.correlationId,
    ackPolicy: r.ackPolicy,
    expectedOffset:
      typeof r.expectedOffset === 'bigint' ? r.expectedOffset : fromInt64(r.expectedOffset),
  };
}

// ---------------------------------------------------------------- broken input

/** One edit of a valid encoding. */
const mutation = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    add: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 4 }),
  }),
);

function mutate(buf: Buffer, edits: readonly Mutation[]): Buffer {
  let out = Buffer.from(buf);
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    if (e.op === 'set') {
      if (out.length > 0) out[at % out.length] = e.byte;
    } else if (e.op === 'insert') {
      out = Buffer.concat([out.subarray(0, at), e.add, out.subarray(at)]);
    } else {
      out = Buffer.concat([out.subarray(0, at), out.subarray(at + e.count)]);
    }
  }
  return out;
}

type Mutation =
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; add: Uint8Array }
  | { op: 'delete'; at: number; count: number };

/**
 * Protobuf-shaped garbage: keys of every wire type (6 and 7 too) for known
 * and unknown fields, varints of any length (over 10 bytes too), length
 * prefixes right or wrong, nested messages of more of the same, lone
 * start and end groups.
 */
function soup(depth: number): fc.Arbitrary<Buffer> {
  const token: fc.Arbitrary<Buffer>[] = [
    fc
      .tuple(
        fc.oneof(fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: MAX_FIELD })),
        fc.integer({ min: 0, max: 7 }),
      )
      .map(([f, w]) => key(f, w)),
    fc.bigInt({ min: 0n, max: (1n << 80n) - 1n }).map(uvarint),
    fc
      .tuple(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: -3, max: 3 }))
      .map(([b, off]) => Buffer.concat([uvarint(BigInt(Math.max(0, b.length + off))), b])),
    fc.constantFrom(
      Buffer.from([0x0b]),
      Buffer.from([0x0c]),
      Buffer.from([0x80]),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      Buffer.from([0x0e]),
      Buffer.from([0x0f]),
    ),
    fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
  ];
  if (depth > 0) {
    token.push(
      fc
        .tuple(fc.integer({ min: 1, max: 12 }), soup(depth - 1))
        .map(([field, inner]) => len(field, inner)),
    );
  }
  return fc.array(fc.oneof(...token), { maxLength: 12 }).map((parts) => Buffer.concat(parts));
}

const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b)),
  soup(2),
);

// ---------------------------------------------------------------- specs

describe('codec fuzz', () => {
  it('codec fuzz - generated Messages with unknown fields of every wire type decode as protobufjs does', () => {
    fc.assert(
      fc.property(messageWire, ({ model, bytes }) => {
        const got = decodeMessage(bytes);
        assert.ok(got.ok, `valid Message refused: ${got.ok ? '' : got.reason}`);
        assert.deepEqual(got.value, plainOfProtobufjs(pbMessage.deserialize(bytes)));
        assert.deepEqual(got.value, plainOfModel(model));
      }),
      { numRuns: 400 },
    );
  });

  it('codec fuzz - int32 and int64 varints in over-long and truncated-int32 forms decode to their value', () => {
    /** `v`'s varint padded with continuation bytes up to `to` bytes (at most 10). */
    const padded = (v: bigint, to: number) => {
      const min = [...varint64(v)];
      while (min.length < Math.min(to, 10)) {
        min[min.length - 1] = (min[min.length - 1] as number) | 0x80;
        min.push(0);
      }
      return Buffer.from(min);
    };
    // An int32 reader keeps the low 32 bits of the varint, whatever is above them.
    const int32Form = fc.oneof(
      int32.map((p) => ({ p, wire: varint64(BigInt(p)) })),
      int32.map((p) => ({ p, wire: uvarint(BigInt(p >>> 0)) })),
      fc
        .tuple(int32, fc.bigInt({ min: 1n, max: (1n << 32n) - 1n }))
        .map(([p, junk]) => ({ p, wire: uvarint(BigInt(p >>> 0) | (junk << 32n)) })),
    );
    fc.assert(
      fc.property(
        int64,
        int64,
        int32Form,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: -5, max: 5 }),
        (offset, timestamp, { p: partition, wire }, to, rawPolicy) => {
          const bytes = Buffer.concat([
            key(1, VARINT),
            padded(offset, to),
            key(4, VARINT),
            padded(timestamp, to),
            key(6, VARINT),
            wire,
            key(12, VARINT),
            padded(BigInt(rawPolicy), to),
          ]);
          const got = decodeMessage(bytes);
          assert.ok(got.ok, `refused ${bytes.toString('hex')}`);
          assert.deepEqual(
            [got.value.offset, got.value.timestamp, got.value.partition],
            [offset, timestamp, partition],
          );
          // An AckPolicy the client does not know reads as the default.
          assert.equal(got.value.ackPolicy, POLICY_NAMES[rawPolicy] ?? 'LEADER');
          // protobufjs reads an int32 varint of 6 to 9 bytes wrong (it skips to
          // byte 10): compare with it where it reads them right.
          const int32sOk = (wire.length <= 5 || wire.length === 10) && (to <= 5 || to === 10);
          if (int32sOk) {
            const pb = plainOfProtobufjs(pbMessage.deserialize(bytes));
            assert.deepEqual(
              [pb.offset, pb.timestamp, pb.partition, pb.ackPolicy],
              [offset, timestamp, partition, got.value.ackPolicy],
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('codec fuzz - one MessageDecoder reused over valid and broken messages decodes each valid one right', () => {
    // Its strings and header names are interned across messages: a cached
    // string must never leak into a message with other bytes, nor survive a throw.
    const pooled = fc.constantFrom('orders', 'orders.7', 'é', 'x'.repeat(40), '');
    const pooledModel = fc
      .tuple(
        messageModel,
        pooled,
        pooled,
        pooled,
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'é', 'subject'), bytes), { maxLength: 10 }),
      )
      .map(([m, stream, subject, ackInbox, hs]) => ({
        ...m,
        stream,
        subject,
        ackInbox,
        headers: [...new Map(hs)].map(([k, v]): MessageModel['headers'][number] => [k, v, []]),
      }));
    const input = fc.oneof(
      {
        arbitrary: pooledModel.map((m) => ({
          model: m as MessageModel | undefined,
          bytes: Buffer.concat(messageParts(m)),
        })),
        weight: 3,
      },
      {
        arbitrary: messageWire.map((w) => ({
          model: w.model as MessageModel | undefined,
          bytes: w.bytes,
        })),
        weight: 1,
      },
      {
        arbitrary: garbage.map((b) => ({ model: undefined as MessageModel | undefined, bytes: b })),
        weight: 1,
      },
    );
    fc.assert(
      fc.property(fc.array(input, { minLength: 2, maxLength: 12 }), (sequence) => {
        const shared = new MessageDecoder();
        for (const { model, bytes } of sequence) {
          const reused = decodeMessage(bytes, undefined, undefined, shared);
          const fresh = decodeMessage(bytes);
          assert.deepEqual(reused, fresh);
          if (model) {
            assert.ok(reused.ok);
            assert.deepEqual(reused.value, plainOfModel(model));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('codec fuzz - generated PublishResponses with unknown fields decode as protobufjs does', () => {
    fc.assert(
      fc.property(responseWire, ({ model, bytes }) => {
        const got = decodeResponse(bytes);
        assert.equal(got.malformed, undefined);
        const plain = plainOfDecodedResponse(got);
        assert.deepEqual(plain, plainOfProtobufjsResponse(pbResponse.deserialize(bytes)));
        assert.deepEqual(plain, plainOfResponseModel(model));
      }),
      { numRuns: 400 },
    );
  });

  it('codec fuzz - generated PublishRequests encode to what protobufjs decodes, framed or with the value apart', () => {
    fc.assert(
      fc.property(wirePublish, fc.boolean(), fc.boolean(), (request, framed, apart) => {
        const expected = plainOfRequest(request);
        const reference = pbRequest.serialize(protobufjsRequest(request));
        const plain = encodePublishRequest(request);
        assert.equal(plain.length, reference.length, 'same size as protobufjs encodes it');
        const pb = pbRequest.deserialize(plain);
        assert.deepEqual(plainOfRequest(pb), expected);
        assert.equal(pb.ackInbox, '');
        // Same field order as protobufjs (headers aside, which it orders by Object.keys): same bytes.
        const names = request.headers ? [...request.headers.keys()] : [];
        if (
          names.join('\0') === Object.keys(Object.fromEntries(request.headers ?? [])).join('\0')
        ) {
          assert.equal(plain.toString('hex'), reference.toString('hex'));
        }

        const wire = encodePublishRequest(request, framed, apart);
        const whole = apart ? Buffer.concat([wire, request.value]) : wire;
        const body = framed ? whole.subarray(5) : whole;
        if (framed) {
          assert.equal(whole[0], 0, 'not compressed');
          assert.equal(whole.readUInt32BE(1), body.length, 'the prefix counts the whole message');
        }
        assert.equal(body.length, plain.length);
        assert.deepEqual(plainOfRequest(pbRequest.deserialize(body)), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('codec fuzz - a Message cut at any length decodes only at a field boundary, else throws WireFormatError', () => {
    fc.assert(
      fc.property(messageWire, ({ parts, bytes }) => {
        const whole = boundaries(parts);
        for (let cut = 0; cut <= bytes.length; cut++) {
          // A window of the whole buffer: the bytes after `end` must not be read.
          const got = decodeMessage(bytes, 0, cut);
          assert.equal(got.ok, whole.has(cut), `cut at ${cut} of ${bytes.toString('hex')}`);
          if (got.ok) {
            assert.deepEqual(
              got.value,
              plainOfProtobufjs(pbMessage.deserialize(bytes.subarray(0, cut))),
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('codec fuzz - a PublishResponse cut at any length is malformed exactly when not at a field boundary', () => {
    fc.assert(
      fc.property(responseWire, ({ parts, bytes }) => {
        const whole = boundaries(parts);
        for (let cut = 0; cut <= bytes.length; cut++) {
          const got = decodeResponse(bytes, 0, cut);
          assert.equal(got.malformed === undefined, whole.has(cut), `cut at ${cut}`);
          if (got.malformed === undefined) {
            assert.deepEqual(
              plainOfDecodedResponse(got),
              plainOfProtobufjsResponse(pbResponse.deserialize(bytes.subarray(0, cut))),
            );
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('codec fuzz - mutated valid encodings end in a WireFormatError or a result, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(messageWire, responseWire),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        ({ bytes }, edits) => {
          const broken = mutate(bytes, edits);
          decodeMessage(broken);
          decodeResponse(broken);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('codec fuzz - random bytes and protobuf-shaped garbage end in a WireFormatError or a result', () => {
    let refused = 0;
    let malformed = 0;
    fc.assert(
      fc.property(garbage, (bytes) => {
        if (!decodeMessage(bytes).ok) refused++;
        if (decodeResponse(bytes).malformed !== undefined) malformed++;
      }),
      { numRuns: 2000 },
    );
    // The generator does reach the error paths (else the property shows little).
    assert.ok(refused > 500, `only ${refused} of 2000 inputs refused`);
    assert.ok(malformed > 500, `only ${malformed} of 2000 inputs malformed`);
  });

  it('codec fuzz - a window of a larger buffer decodes as a copy of its bytes does', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          messageWire.map((w) => w.bytes),
          responseWire.map((w) => w.bytes),
          garbage,
        ),
        fc.uint8Array({ maxLength: 16 }),
        fc.uint8Array({ maxLength: 16 }),
        (bytes, before, after) => {
          const buf = Buffer.concat([before, bytes, after]);
          const start = before.length;
          const end = start + bytes.length;
          const copy = Buffer.from(bytes);
          const a = decodeMessage(buf, start, end);
          const b = decodeMessage(copy);
          assert.equal(a.ok, b.ok);
          if (a.ok && b.ok) assert.deepEqual(a.value, b.value);
          const ra = decodeResponse(buf, start, end);
          const rb = decodeResponse(copy);
          assert.equal(ra.malformed === undefined, rb.malformed === undefined);
          assert.deepEqual(plainOfDecodedResponse(ra), plainOfDecodedResponse(rb));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('codec fuzz - hostile inputs: lone and over-long varints, huge lengths, deep groups, bad wire types', () => {
    const cases: [string, Buffer][] = [
      ['a varint cut off (0x88)', Buffer.from([0x88])],
      ['a key of 11 bytes', Buffer.from([...Array(10).fill(0x80), 0x01])],
      ['an int64 of 11 bytes', Buffer.from([0x08, ...Array(10).fill(0xff), 0x01])],
      ['an int32 of 11 bytes', Buffer.from([0x30, ...Array(10).fill(0xff), 0x01])],
      [
        'a value claiming 2^40 bytes',
        Buffer.concat([key(3, LEN), uvarint(1n << 40n), utf8('abc')]),
      ],
      ['an unknown field claiming 2^40 bytes', Buffer.concat([key(99, LEN), uvarint(1n << 40n)])],
      ['a length of 2^64 - 1', Buffer.concat([key(5, LEN), uvarint((1n << 64n) - 1n)])],
      ['a header claiming 2^40 bytes', Buffer.concat([key(9, LEN), uvarint(1n << 40n)])],
      [
        'a header name longer than its entry',
        Buffer.concat([key(9, LEN), uvarint(3n), key(1, LEN), uvarint(10n), utf8('abcdefghij')]),
      ],
      ['10 000 start-groups', Buffer.alloc(10_000, 0x0b)],
      [
        '10 000 start-groups of a large field',
        Buffer.concat(Array(10_000).fill(key(MAX_FIELD, START_GROUP))),
      ],
      ['an end-group never started', Buffer.from([0x0c])],
      ['an end-group after a field', Buffer.concat([len(5, utf8('s')), key(99, END_GROUP)])],
      ['a group ended by another field', Buffer.concat([key(20, START_GROUP), key(21, END_GROUP)])],
      ['a group never ended', Buffer.concat([key(20, START_GROUP), key(21, VARINT), uvarint(1n)])],
      ['wire type 6', Buffer.from([0x0e])],
      ['wire type 7', Buffer.from([0x0f])],
      ['wire type 7 of an unknown field', key(500, 7)],
      ['fixed64 cut off', Buffer.concat([key(99, FIXED64), Buffer.alloc(7)])],
      ['fixed32 cut off', Buffer.concat([key(99, FIXED32), Buffer.alloc(3)])],
    ];
    for (const [name, bytes] of cases) {
      const got = decodeMessage(bytes);
      assert.equal(got.ok, false, `${name}: decoded`);
      const res = decodeResponse(bytes);
      assert.equal(typeof res.malformed, 'string', `${name}: PublishResponse not malformed`);
      // Inside the nested ack too.
      const nested = decodeResponse(len(1, bytes));
      assert.equal(typeof nested.malformed, 'string', `${name}: nested in an ack`);
    }
  });

  it(`codec fuzz - unknown groups nest ${MAX_DEPTH} deep, one more is refused`, () => {
    const nested = (depth: number) =>
      Buffer.concat([
        ...Array.from({ length: depth }, (_, i) => key(20 + i, START_GROUP)),
        key(1, VARINT),
        uvarint(5n),
        ...Array.from({ length: depth }, (_, i) => key(20 + depth - 1 - i, END_GROUP)),
        len(5, utf8('after')),
      ]);
    const ok = decodeMessage(nested(MAX_DEPTH));
    assert.ok(ok.ok);
    assert.equal(ok.value.stream, 'after');
    assert.equal(ok.value.offset, 0n, 'a field inside a group is not the message field');
    assert.equal(decodeMessage(nested(MAX_DEPTH + 1)).ok, false);
    assert.equal(decodeResponse(nested(MAX_DEPTH)).malformed, undefined);
    assert.equal(typeof decodeResponse(nested(MAX_DEPTH + 1)).malformed, 'string');
  });

  it('codec fuzz - bounds outside the buffer throw WireFormatError', () => {
    const buf = Buffer.from(len(5, utf8('orders')));
    for (const [start, end] of [
      [-1, 3],
      [3, 2],
      [0, buf.length + 1],
      [Number.NaN, 2],
      [0, Number.NaN],
    ] as const) {
      assert.throws(() => new MessageDecoder().decode(buf, start, end), WireFormatError);
      assert.equal(typeof decodePublishResponse(buf, start, end).malformed, 'string');
    }
  });

  it('codec fuzz - a broken PublishResponse keeps what was decoded before the fault', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(0x0c, 0x0e, 0x0f, 0x88), (id, bad) => {
        const res = decodeResponse(
          Buffer.concat([pbResponse.serialize({ correlationId: id }), Buffer.from([bad])]),
        );
        assert.equal(typeof res.malformed, 'string');
        assert.equal(res.correlationId, id);
      }),
      { numRuns: 100 },
    );
  });

  it('codec fuzz - a negative int32 partition encodes as protobufjs does', () => {
    for (const partition of [-1, -5, INT32_MIN]) {
      const request: WirePublish = {
        key: new Uint8Array(0),
        value: new Uint8Array(0),
        stream: 's',
        partition,
        headers: undefined,
        correlationId: 'c',
        ackPolicy: 0,
        expectedOffset: 0n,
      };
      const bytes = encodePublishRequest(request);
      assert.equal(
        bytes.length,
        pbRequest.serialize({ stream: 's', partition, correlationId: 'c' }).length,
      );
      assert.equal(pbRequest.deserialize(bytes).partition, partition);
    }
  });
});
