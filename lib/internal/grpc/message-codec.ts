/**
 * Hand-written decoder for the Subscribe hot path: a Message straight from
 * bytes into the public Message's shape (int64 as bigint, headers as a Map),
 * with no protobufjs walk, Long objects or second object per message.
 * Field numbers are those of proto/api.proto (spec/internal/message-codec
 * checks it against protobufjs, and codec-fuzz with generated and broken
 * input). Malformed bytes throw a WireFormatError (proto-reader.ts); fields
 * it does not know, of any wire type, are skipped.
 */
import { type AckPolicy, ackPolicyName, type Message } from '../../message.js';
import { Interned, LEN, Reader, tag, VARINT } from './proto-reader.js';

/** A decoded message; subscribe may still swap in a decompressed value. */
export type DecodedMessage = {
  -readonly [K in keyof Message]: K extends 'headers' ? Map<string, Uint8Array> : Message[K];
};

const EMPTY: Uint8Array = new Uint8Array(0);
const LEADER: AckPolicy = 'LEADER';
/** Distinct header names remembered per subscription (the server's own are `reply` and `subject`). */
const HEADER_NAME_SLOTS = 8;
/** Bytes fields up to this long are copied byte by byte. */
const SHORT_COPY = 32;

/** Repeated strings of one subscription (one decoder per call). */
export class MessageDecoder {
  private readonly stream = new Interned();
  private readonly subject = new Interned();
  private readonly replySubject = new Interned();
  private readonly ackInbox = new Interned();
  /** Header names (a handful, in any order: the server writes them from a Go map). */
  private readonly headerNames = new Interned(HEADER_NAME_SLOTS);

  /**
   * Decodes the Message from `start` to `end` of `buf` (a network chunk is
   * fine: key and value are copied out, so they never keep it alive).
   */
  decode(buf: Buffer, start = 0, end = buf.length): DecodedMessage {
    const r = new Reader(buf, start, end);
    const m: DecodedMessage = {
      stream: '',
      partition: 0,
      offset: 0n,
      timestamp: 0n,
      key: EMPTY,
      value: EMPTY,
      subject: '',
      replySubject: '',
      headers: new Map(),
      correlationId: '',
      ackInbox: '',
      ackPolicy: LEADER,
    };
    while (r.pos < r.end) {
      const key = r.varint();
      switch (key) {
        case tag(1, VARINT):
          m.offset = r.int64();
          break;
        case tag(2, LEN):
          m.key = bytes(r);
          break;
        case tag(3, LEN):
          m.value = bytes(r);
          break;
        case tag(4, VARINT):
          m.timestamp = r.int64();
          break;
        case tag(5, LEN):
          m.stream = r.repeated(this.stream);
          break;
        case tag(6, VARINT):
          m.partition = r.int32();
          break;
        case tag(7, LEN):
          m.subject = r.repeated(this.subject);
          break;
        case tag(8, LEN):
          m.replySubject = r.repeated(this.replySubject);
          break;
        case tag(9, LEN):
          this.header(r, m.headers);
          break;
        case tag(10, LEN):
          m.ackInbox = r.repeated(this.ackInbox);
          break;
        case tag(11, LEN):
          m.correlationId = r.string();
          break;
        case tag(12, VARINT):
          m.ackPolicy = ackPolicyName(r.int32());
          break;
        default:
          r.skip(key);
      }
    }
    return m;
  }

  /** One map entry (key 1: name, value 2: bytes); a later entry of the same name wins. */
  private header(r: Reader, headers: Map<string, Uint8Array>): void {
    const outer = r.enter();
    let name = '';
    let value = EMPTY;
    while (r.pos < r.end) {
      const key = r.varint();
      if (key === tag(1, LEN)) name = r.repeated(this.headerNames);
      else if (key === tag(2, LEN)) value = bytes(r);
      else r.skip(key);
    }
    r.leave(outer);
    headers.set(name, value);
  }
}

/**
 * A bytes field, copied into a Buffer of its own (the shared empty array
 * when empty). Short ones byte by byte, longer ones with TypedArray#set:
 * both cheaper than Buffer#copy, whose argument checks cost more than a
 * header value's copy.
 */
function bytes(r: Reader): Uint8Array {
  const start = r.bytes();
  const end = r.pos;
  const length = end - start;
  if (length === 0) return EMPTY;
  const own = Buffer.allocUnsafe(length);
  const buf = r.buf;
  if (length <= SHORT_COPY) {
    for (let i = 0; i < length; i++) own[i] = buf[start + i] as number;
  } else {
    own.set(new Uint8Array(buf.buffer, buf.byteOffset + start, length));
  }
  return own;
}
