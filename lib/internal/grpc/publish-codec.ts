/**
 * Hand-written protobuf codec for the PublishAsync hot path: a
 * PublishRequest straight to bytes, a PublishResponse straight from bytes
 * (int64 fields as bigint). protobufjs's generic walk, its Long objects and
 * the intermediate objects were a third of the per-message cost.
 * Field numbers are those of proto/api.proto (spec/internal/publish-codec
 * checks both directions against protobufjs).
 */

import { type Ack, ackPolicyName } from '../../message.js';
import { PREFIX_BYTES, writePrefix } from './framing.js';
import { Interned, LEN, Reader, tag, VARINT, WireFormatError } from './proto-reader.js';

/** What goes on the wire for one request. */
export interface WirePublish {
  key: Uint8Array;
  value: Uint8Array;
  stream: string;
  partition: number;
  headers: ReadonlyMap<string, Uint8Array> | undefined;
  correlationId: string;
  /** AckPolicy enum value. */
  ackPolicy: number;
  expectedOffset: bigint;
}

/**
 * An ack decoded straight into the public Ack's shape; the publisher fills
 * in `partition` (the request's) and, when the server left it out, `correlationId`.
 */
export type DecodedAck = { -readonly [K in keyof Ack]: Ack[K] };

export interface DecodedPublishResponse {
  ack: DecodedAck | undefined;
  /** The ack's AckError enum value (0: none). */
  ackError: number;
  asyncError: { code: number; message: string } | undefined;
  correlationId: string;
  /** Set when the bytes were not a PublishResponse: what was wrong. */
  malformed: string | undefined;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size += 1;
  }
  return size;
}

function int64Size(n: bigint): number {
  if (n < 0n) return 10;
  if (n <= 0x1fffffffffffffn) return varintSize(Number(n));
  let size = 1;
  while (n >= 0x80n) {
    n >>= 7n;
    size += 1;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** -1 (expectedOffset "not set", on every request) as a varint. */
const MINUS_ONE = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

function writeInt64(buf: Buffer, pos: number, n: bigint): number {
  if (n === -1n) {
    MINUS_ONE.copy(buf, pos);
    return pos + MINUS_ONE.length;
  }
  if (n >= 0n && n <= 0x1fffffffffffffn) return writeVarint(buf, pos, Number(n));
  let u = BigInt.asUintN(64, n);
  while (u >= 0x80n) {
    buf[pos++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
  return pos;
}

/** A length-delimited field's size: tag + length + payload. */
const lenField = (payload: number) => 1 + varintSize(payload) + payload;

/** UTF-8 length of `s`: its length when it is ASCII (checked here, no call into the runtime). */
function utf8Length(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s);
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s);
  return n;
}

function writeBytes(buf: Buffer, pos: number, field: number, b: Uint8Array): number {
  buf[pos++] = tag(field, LEN);
  pos = writeVarint(buf, pos, b.byteLength);
  buf.set(b, pos);
  return pos + b.byteLength;
}

/** A string field whose UTF-8 length is `length`. */
function writeString(buf: Buffer, pos: number, field: number, s: string, length: number): number {
  buf[pos++] = tag(field, LEN);
  pos = writeVarint(buf, pos, length);
  if (length === s.length && length <= 64) {
    for (let i = 0; i < length; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + length;
  }
  return pos + buf.write(s, pos, 'utf8');
}

/**
 * Encodes a PublishRequest (proto3: default values are left out); `framed`
 * puts the 5-byte gRPC message prefix in front (for the HTTP/2 transport).
 * `valueApart`: the value field comes last and its bytes are left out (the
 * buffer ends with its tag and length): the caller writes `r.value` right
 * after it, so a large value is never copied (field order is free in protobuf).
 */
export function encodePublishRequest(r: WirePublish, framed = false, valueApart = false): Buffer {
  const streamBytes = utf8Length(r.stream);
  const idBytes = utf8Length(r.correlationId);
  const headers = r.headers !== undefined && r.headers.size > 0 ? r.headers : undefined;
  let size = 0;
  if (r.key.byteLength > 0) size += lenField(r.key.byteLength);
  if (r.value.byteLength > 0) size += lenField(r.value.byteLength);
  if (streamBytes > 0) size += lenField(streamBytes);
  // int32: a negative one is sign-extended to ten bytes, as protobuf writes it.
  if (r.partition !== 0) size += 1 + (r.partition < 0 ? 10 : varintSize(r.partition));
  if (headers) {
    for (const [name, value] of headers) {
      size += lenField(lenField(utf8Length(name)) + lenField(value.byteLength));
    }
  }
  if (idBytes > 0) size += lenField(idBytes);
  if (r.ackPolicy !== 0) size += 1 + varintSize(r.ackPolicy);
  if (r.expectedOffset !== 0n) size += 1 + int64Size(r.expectedOffset);

  const apart = valueApart && r.value.byteLength > 0 ? r.value.byteLength : 0;
  const buf = Buffer.allocUnsafe((framed ? size + PREFIX_BYTES : size) - apart);
  let pos = 0;
  if (framed) {
    writePrefix(buf, 0, size);
    pos = PREFIX_BYTES;
  }
  if (r.key.byteLength > 0) pos = writeBytes(buf, pos, 1, r.key);
  if (r.value.byteLength > 0 && apart === 0) pos = writeBytes(buf, pos, 2, r.value);
  if (streamBytes > 0) pos = writeString(buf, pos, 3, r.stream, streamBytes);
  if (r.partition !== 0) {
    buf[pos++] = tag(4, VARINT);
    pos =
      r.partition < 0
        ? writeInt64(buf, pos, BigInt(r.partition))
        : writeVarint(buf, pos, r.partition);
  }
  if (headers) {
    for (const [name, value] of headers) {
      const nameBytes = utf8Length(name);
      buf[pos++] = tag(5, LEN);
      pos = writeVarint(buf, pos, lenField(nameBytes) + lenField(value.byteLength));
      pos = writeString(buf, pos, 1, name, nameBytes);
      pos = writeBytes(buf, pos, 2, value);
    }
  }
  if (idBytes > 0) pos = writeString(buf, pos, 7, r.correlationId, idBytes);
  if (r.ackPolicy !== 0) {
    buf[pos++] = tag(8, VARINT);
    pos = writeVarint(buf, pos, r.ackPolicy);
  }
  if (r.expectedOffset !== 0n) {
    buf[pos++] = tag(9, VARINT);
    pos = writeInt64(buf, pos, r.expectedOffset);
  }
  if (apart > 0) {
    buf[pos++] = tag(2, LEN);
    writeVarint(buf, pos, apart);
  }
  return buf;
}

const interned = {
  stream: new Interned(),
  partitionSubject: new Interned(),
  msgSubject: new Interned(),
  ackInbox: new Interned(),
};

function decodeAck(r: Reader, res: DecodedPublishResponse): void {
  const ack: DecodedAck = {
    stream: '',
    partition: 0,
    offset: 0n,
    correlationId: '',
    partitionSubject: '',
    msgSubject: '',
    ackInbox: '',
    ackPolicy: 'LEADER',
    receptionTimestamp: 0n,
    commitTimestamp: 0n,
  };
  res.ack = ack;
  res.ackError = 0;
  while (r.pos < r.end) {
    const key = r.varint();
    switch (key) {
      case tag(1, LEN):
        ack.stream = r.repeated(interned.stream);
        break;
      case tag(2, LEN):
        ack.partitionSubject = r.repeated(interned.partitionSubject);
        break;
      case tag(3, LEN):
        ack.msgSubject = r.repeated(interned.msgSubject);
        break;
      case tag(4, VARINT):
        ack.offset = r.int64();
        break;
      case tag(5, LEN):
        ack.ackInbox = r.repeated(interned.ackInbox);
        break;
      case tag(6, LEN):
        ack.correlationId = r.string();
        break;
      case tag(7, VARINT):
        ack.ackPolicy = ackPolicyName(r.int32());
        break;
      case tag(8, VARINT):
        ack.receptionTimestamp = r.int64();
        break;
      case tag(9, VARINT):
        ack.commitTimestamp = r.int64();
        break;
      case tag(10, VARINT):
        res.ackError = r.int32();
        break;
      default:
        r.skip(key);
    }
  }
}

/** The one Reader responses are decoded with (decoding is synchronous, never re-entered). */
const NO_BYTES = Buffer.alloc(0);
const reader = new Reader(NO_BYTES, 0, 0);

/** A response with nothing in it (to decode into). */
export function emptyPublishResponse(): DecodedPublishResponse {
  return {
    ack: undefined,
    ackError: 0,
    asyncError: undefined,
    correlationId: '',
    malformed: undefined,
  };
}

/**
 * Decodes a PublishResponse (the bytes from `start` to `end` of `buf`),
 * into a new object, or into `into` (a response object reused per stream:
 * every field is set again).
 * Never throws: bytes that are not a PublishResponse set `malformed`, and
 * whatever was read before (a correlation id, most usefully) stays in `res`
 * so the publisher can fail the one request it belongs to.
 */
export function decodePublishResponse(
  buf: Buffer,
  start = 0,
  end = buf.length,
  into?: DecodedPublishResponse,
): DecodedPublishResponse {
  let res: DecodedPublishResponse;
  if (into === undefined) res = emptyPublishResponse();
  else {
    res = into;
    res.ack = undefined;
    res.ackError = 0;
    res.asyncError = undefined;
    res.correlationId = '';
    res.malformed = undefined;
  }
  try {
    reader.reset(buf, start, end);
    readPublishResponse(reader, res);
  } catch (err) {
    if (!(err instanceof WireFormatError)) throw err;
    res.malformed = err.message;
  } finally {
    reader.reset(NO_BYTES, 0, 0); // holds on to no response's bytes
  }
  return res;
}

function readPublishResponse(r: Reader, res: DecodedPublishResponse): void {
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === tag(1, LEN)) {
      const outer = r.enter();
      decodeAck(r, res);
      r.leave(outer);
    } else if (key === tag(2, LEN)) {
      const outer = r.enter();
      const err = { code: 0, message: '' };
      while (r.pos < r.end) {
        const k = r.varint();
        if (k === tag(1, VARINT)) err.code = r.int32();
        else if (k === tag(2, LEN)) err.message = r.string();
        else r.skip(k);
      }
      r.leave(outer);
      res.asyncError = err;
    } else if (key === tag(3, LEN)) {
      // Usually the ack's id again: reused when the bytes match.
      res.correlationId = r.stringOr(res.ack?.correlationId ?? '');
    } else {
      r.skip(key);
    }
  }
}
