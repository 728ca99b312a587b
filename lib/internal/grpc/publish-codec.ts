/**
 * Hand-written protobuf codec for the PublishAsync hot path: a
 * PublishRequest straight to bytes, a PublishResponse straight from bytes
 * (int64 fields as bigint). protobufjs's generic walk, its Long objects and
 * the intermediate objects were a third of the per-message cost.
 * Field numbers are those of proto/api.proto (spec/internal/publish-codec
 * checks both directions against protobufjs).
 */

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

export interface DecodedAck {
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

export interface DecodedPublishResponse {
  ack: DecodedAck | undefined;
  asyncError: { code: number; message: string } | undefined;
  correlationId: string;
}

const LEN = 2;
const VARINT = 0;

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

const tag = (field: number, wire: number) => (field << 3) | wire;

/** A length-delimited field's size: tag + length + payload. */
const lenField = (payload: number) => 1 + varintSize(payload) + payload;

/**
 * Encodes a PublishRequest (proto3: default values are left out); `framed`
 * puts the 5-byte gRPC message prefix in front (for the HTTP/2 transport).
 */
export function encodePublishRequest(r: WirePublish, framed = false): Buffer {
  const streamBytes = Buffer.byteLength(r.stream);
  const idBytes = Buffer.byteLength(r.correlationId);
  let size = 0;
  if (r.key.byteLength > 0) size += lenField(r.key.byteLength);
  if (r.value.byteLength > 0) size += lenField(r.value.byteLength);
  if (streamBytes > 0) size += lenField(streamBytes);
  if (r.partition !== 0) size += 1 + varintSize(r.partition);
  let headerSizes: number[] | undefined;
  if (r.headers && r.headers.size > 0) {
    headerSizes = [];
    for (const [name, value] of r.headers) {
      const entry = lenField(Buffer.byteLength(name)) + lenField(value.byteLength);
      headerSizes.push(entry);
      size += lenField(entry);
    }
  }
  if (idBytes > 0) size += lenField(idBytes);
  if (r.ackPolicy !== 0) size += 1 + varintSize(r.ackPolicy);
  if (r.expectedOffset !== 0n) size += 1 + int64Size(r.expectedOffset);

  const buf = Buffer.allocUnsafe(framed ? size + 5 : size);
  let pos = 0;
  if (framed) {
    buf[0] = 0;
    buf.writeUInt32BE(size, 1);
    pos = 5;
  }
  const bytesField = (field: number, b: Uint8Array) => {
    buf[pos++] = tag(field, LEN);
    pos = writeVarint(buf, pos, b.byteLength);
    buf.set(b, pos);
    pos += b.byteLength;
  };
  const stringField = (field: number, s: string, length: number) => {
    buf[pos++] = tag(field, LEN);
    pos = writeVarint(buf, pos, length);
    pos += buf.write(s, pos, 'utf8');
  };
  if (r.key.byteLength > 0) bytesField(1, r.key);
  if (r.value.byteLength > 0) bytesField(2, r.value);
  if (streamBytes > 0) stringField(3, r.stream, streamBytes);
  if (r.partition !== 0) {
    buf[pos++] = tag(4, VARINT);
    pos = writeVarint(buf, pos, r.partition);
  }
  if (headerSizes && r.headers) {
    let i = 0;
    for (const [name, value] of r.headers) {
      buf[pos++] = tag(5, LEN);
      pos = writeVarint(buf, pos, headerSizes[i++] as number);
      stringField(1, name, Buffer.byteLength(name));
      bytesField(2, value);
    }
  }
  if (idBytes > 0) stringField(7, r.correlationId, idBytes);
  if (r.ackPolicy !== 0) {
    buf[pos++] = tag(8, VARINT);
    pos = writeVarint(buf, pos, r.ackPolicy);
  }
  if (r.expectedOffset !== 0n) {
    buf[pos++] = tag(9, VARINT);
    pos = writeInt64(buf, pos, r.expectedOffset);
  }
  return buf;
}

/** A cursor over protobuf bytes. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  }

  int64(): bigint {
    // Up to 7 bytes (49 bits) fit a double exactly; up to 9 (63 bits, a
    // nanosecond timestamp) as two doubles joined once; longer (negative)
    // ones go through bigint.
    const start = this.pos;
    let small = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.buf[this.pos++] as number;
      small += (b & 0x7f) * scale;
      if (b < 0x80) return BigInt(small);
      scale *= 128;
    }
    let high = 0;
    scale = 1;
    for (let i = 0; i < 2; i++) {
      const b = this.buf[this.pos++] as number;
      high += (b & 0x7f) * scale;
      if (b < 0x80) return (BigInt(high) << 49n) | BigInt(small);
      scale *= 128;
    }
    this.pos = start;
    let big = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, big);
      shift += 7n;
    }
  }

  string(): string {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    // Short ASCII (names, subjects, ids) is cheaper decoded here than by a
    // call into the runtime's UTF-8 decoder.
    if (length <= 32) {
      const buf = this.buf;
      let s = '';
      for (let i = start; i < end; i++) {
        const c = buf[i] as number;
        if (c > 0x7f) return buf.toString('utf8', start, end);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.buf.toString('utf8', start, end);
  }

  /** Skips a field of the given wire type. */
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

function decodeAck(r: Reader, end: number): DecodedAck {
  const ack: DecodedAck = {
    stream: '',
    partitionSubject: '',
    msgSubject: '',
    offset: 0n,
    ackInbox: '',
    correlationId: '',
    ackPolicy: 0,
    receptionTimestamp: 0n,
    commitTimestamp: 0n,
    ackError: 0,
  };
  while (r.pos < end) {
    const key = r.varint();
    switch (key) {
      case tag(1, LEN):
        ack.stream = r.string();
        break;
      case tag(2, LEN):
        ack.partitionSubject = r.string();
        break;
      case tag(3, LEN):
        ack.msgSubject = r.string();
        break;
      case tag(4, VARINT):
        ack.offset = r.int64();
        break;
      case tag(5, LEN):
        ack.ackInbox = r.string();
        break;
      case tag(6, LEN):
        ack.correlationId = r.string();
        break;
      case tag(7, VARINT):
        ack.ackPolicy = r.varint();
        break;
      case tag(8, VARINT):
        ack.receptionTimestamp = r.int64();
        break;
      case tag(9, VARINT):
        ack.commitTimestamp = r.int64();
        break;
      case tag(10, VARINT):
        ack.ackError = r.varint();
        break;
      default:
        r.skip(key & 7);
    }
  }
  return ack;
}

/** Decodes a PublishResponse. */
export function decodePublishResponse(buf: Buffer): DecodedPublishResponse {
  const r = new Reader(buf, 0, buf.length);
  const res: DecodedPublishResponse = { ack: undefined, asyncError: undefined, correlationId: '' };
  while (r.pos < r.end) {
    const key = r.varint();
    if (key === tag(1, LEN)) {
      const end = r.varint() + r.pos;
      res.ack = decodeAck(r, end);
      r.pos = end;
    } else if (key === tag(2, LEN)) {
      const end = r.varint() + r.pos;
      const err = { code: 0, message: '' };
      while (r.pos < end) {
        const k = r.varint();
        if (k === tag(1, VARINT)) err.code = r.varint();
        else if (k === tag(2, LEN)) err.message = r.string();
        else r.skip(k & 7);
      }
      res.asyncError = err;
    } else if (key === tag(3, LEN)) {
      res.correlationId = r.string();
    } else {
      r.skip(key & 7);
    }
  }
  return res;
}
