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

/** Repeated strings of one subscription (one decoder per call). */
export class MessageDecoder {
  private readonly stream = new Interned();
  private readonly subject = new Interned();
  private readonly replySubject = new Interned();
  private readonly ackInbox = new Interned();
  /** Header names by their place in the message (the server writes them in the same order). */
  private readonly headerNames: Interned[] = [];

  /**
   * Decodes the Message from `start` to `end` of `buf` (a network chunk is
   * fine: key and value are copied out, so they never keep it alive).
   */
  decode(buf: Buffer, start = 0, end = buf.length): DecodedMessage {
    const r = new Reader(buf, start, end);
    let headerIndex = 0;
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
          this.header(r, m.headers, headerIndex++);
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
  private header(r: Reader, headers: Map<string, Uint8Array>, index: number): void {
    const outer = r.enter();
    let name = '';
    let value = EMPTY;
    while (r.pos < r.end) {
      const key = r.varint();
      if (key === tag(1, LEN)) name = index < 8 ? r.repeated(this.names(index)) : r.string();
      else if (key === tag(2, LEN)) value = bytes(r);
      else r.skip(key);
    }
    r.leave(outer);
    headers.set(name, value);
  }

  private names(index: number): Interned {
    let cache = this.headerNames[index];
    if (!cache) {
      cache = new Interned();
      this.headerNames[index] = cache;
    }
    return cache;
  }
}

/** A bytes field, copied into a Buffer of its own (the shared empty array when empty). */
function bytes(r: Reader): Uint8Array {
  const start = r.bytes();
  const length = r.pos - start;
  if (length === 0) return EMPTY;
  const own = Buffer.allocUnsafe(length);
  r.buf.copy(own, 0, start, r.pos);
  return own;
}
