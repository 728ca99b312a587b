/**
 * Reading protobuf bytes by hand, for the codecs of the streaming calls'
 * hot paths (publish-codec, message-codec): varints, int64 as bigint,
 * strings (short ASCII decoded in JS, repeated ones interned).
 *
 * Every read is checked against the end of the message being read (or of
 * the nested message entered), varints are at most 10 bytes, and fields a
 * decoder does not know are skipped whatever their wire type (groups
 * included, nested at most {@link MAX_DEPTH} deep), as protobufjs and
 * grpc-go skip them: a newer server's fields are ignored. Bytes that are not
 * protobuf throw a {@link WireFormatError}, never anything else, and a read
 * never loops: each step consumes at least one byte of a bounded buffer.
 */

export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const START_GROUP = 3;
export const END_GROUP = 4;
export const FIXED32 = 5;

/** How deep groups may nest (protobuf's own recursion limit). */
export const MAX_DEPTH = 100;

/** A field's key: its number and wire type. */
export const tag = (field: number, wire: number) => (field << 3) | wire;

/**
 * Bytes that are not the protobuf message a decoder expects (cut off,
 * out of bounds, a wire type that does not exist). The transport ends the
 * call that carried them with a typed error (see grpc/status.ts).
 */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

function malformed(what: string, at: number): never {
  throw new WireFormatError(`malformed protobuf: ${what} at byte ${at}`);
}

/** One 64-bit slot: a varint's two 32-bit halves written in, one bigint read out. */
const int64Slot = new BigInt64Array(1);
const int64Halves = new Uint32Array(int64Slot.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = littleEndian ? 0 : 1;
const HI = littleEndian ? 1 : 0;

/**
 * A string field that repeats from one message to the next (a stream name,
 * a subject, an ack inbox, header names): the last `slots` strings seen,
 * with their bytes, handed out again while the bytes match one of them, so
 * most messages decode it without allocating. Several slots serve fields
 * that take turns (header names: the server writes a message's headers
 * from a Go map, in no fixed order).
 */
export class Interned {
  private readonly known: Buffer[] = [];
  private readonly texts: string[] = [];
  private next = 0;
  private misses = 0;

  constructor(private readonly slots = 1) {}

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    const known = this.known;
    for (let k = 0; k < known.length; k++) {
      const bytes = known[k] as Buffer;
      if (bytes.length !== length) continue;
      let i = 0;
      while (i < length && bytes[i] === buf[start + i]) i++;
      if (i === length) return this.texts[k] as string;
    }
    const text = buf.toString('utf8', start, end);
    // Full: only every slots-th miss takes a slot, so more distinct names
    // than slots (taking turns) do not copy their bytes on every miss.
    const take = known.length < this.slots || ++this.misses % this.slots === 0;
    if (length <= 256 && take) {
      const slot = this.next;
      this.next = slot + 1 === this.slots ? 0 : slot + 1;
      known[slot] = Buffer.from(buf.subarray(start, end));
      this.texts[slot] = text;
    }
    return text;
  }
}

/** A cursor over the protobuf bytes of `buf` from `start` to `end`. */
export class Reader {
  pos: number;
  /** Where the message (or the nested message entered) ends. */
  end: number;

  /** The bytes read (see reset()). */
  buf: Buffer;

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.pos = 0;
    this.end = 0;
    this.reset(buf, start, end);
  }

  /** Reads `buf` from `start` to `end` from now on (a Reader reused per message: no object per message). */
  reset(buf: Buffer, start: number, end: number): void {
    if (!(start >= 0 && start <= end && end <= buf.length)) {
      throw new WireFormatError(`bad bounds ${start}..${end} of a ${buf.length}-byte buffer`);
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /**
   * An unsigned varint as a number (exact up to 2^53: lengths, tags,
   * counts). At most 10 bytes, all before `end`.
   */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) malformed('varint cut off by the end of the message', pos);
      const b = buf[pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      scale *= 128;
    }
    return malformed('varint longer than 10 bytes', this.pos);
  }

  /** An int32 or enum field: the varint's low 32 bits, signed (as protobufjs reads them). */
  int32(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) malformed('varint cut off by the end of the message', pos);
      const b = buf[pos++] as number;
      if (i < 5) result |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
    }
    return malformed('varint longer than 10 bytes', this.pos);
  }

  /** An int64 field as a bigint (two's complement, as protobufjs and Go read it). */
  int64(): bigint {
    // Up to 7 bytes (49 bits) fit a double exactly: one BigInt(). Longer
    // ones (nanosecond timestamps, negatives) are split into two 32-bit
    // halves and read back through a BigInt64Array: one bigint either way.
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    let small = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= end) malformed('varint cut off by the end of the message', pos);
      const b = buf[pos++] as number;
      small += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt(small);
      }
      scale *= 128;
    }
    // The first 7 bytes are in bounds (read above).
    pos = start;
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[pos++] as number;
      lo |= (b & 0x7f) << shift;
    }
    b = buf[pos++] as number;
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    for (let shift = 3; b >= 0x80; shift += 7) {
      if (shift > 31) malformed('varint longer than 10 bytes', start);
      if (pos >= end) malformed('varint cut off by the end of the message', pos);
      b = buf[pos++] as number;
      hi |= (b & 0x7f) << shift;
    }
    this.pos = pos;
    int64Halves[LO] = lo;
    int64Halves[HI] = hi;
    return int64Slot[0] as bigint;
  }

  /** A length-delimited field: returns where its bytes start and leaves `pos` at their end. */
  delimited(): number {
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) {
      malformed(`field of ${length} bytes where ${this.end - start} are left`, start);
    }
    this.pos = start + length;
    return start;
  }

  /**
   * Enters a nested message (a length-delimited field): reads stop at its
   * end until {@link leave}. Returns the outer end, for leave().
   */
  enter(): number {
    const start = this.delimited();
    const outer = this.end;
    this.end = this.pos;
    this.pos = start;
    return outer;
  }

  /** Leaves a nested message entered with {@link enter}: `pos` at its end. */
  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  string(): string {
    const start = this.delimited();
    const end = this.pos;
    // Short ASCII (ids) is cheaper decoded here than by a call into the
    // runtime's UTF-8 decoder.
    if (end - start <= 32) {
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

  /** A string field: `known` when its bytes are those of ASCII `known`, else decoded. */
  stringOr(known: string): string {
    const from = this.pos;
    const start = this.delimited();
    const length = this.pos - start;
    if (length === known.length && length > 0) {
      const buf = this.buf;
      let i = 0;
      for (; i < length; i++) {
        const c = known.charCodeAt(i);
        if (c > 0x7f || buf[start + i] !== c) break;
      }
      if (i === length) return known;
    }
    this.pos = from;
    return this.string();
  }

  /** A string field that usually repeats the last one seen. */
  repeated(cache: Interned): string {
    const start = this.delimited();
    return cache.get(this.buf, start, this.pos);
  }

  /** A bytes field: where its bytes start (`pos` is left at their end). */
  bytes(): number {
    return this.delimited();
  }

  /** Skips the value of a field whose key (number and wire type) was just read. */
  skip(key: number, depth = 0): void {
    const wire = key & 7;
    const at = this.pos;
    switch (wire) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        if (this.end - at < 8) malformed('fixed64 cut off by the end of the message', at);
        this.pos = at + 8;
        return;
      case LEN:
        this.delimited();
        return;
      case FIXED32:
        if (this.end - at < 4) malformed('fixed32 cut off by the end of the message', at);
        this.pos = at + 4;
        return;
      case START_GROUP: {
        if (depth >= MAX_DEPTH) malformed(`groups nested over ${MAX_DEPTH} deep`, at);
        const field = Math.floor(key / 8);
        for (;;) {
          if (this.pos >= this.end) malformed('group not ended before the end of the message', at);
          const inner = this.varint();
          if ((inner & 7) === END_GROUP) {
            if (Math.floor(inner / 8) !== field)
              malformed('group ended by another field', this.pos);
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      default:
        malformed(wire === END_GROUP ? 'end of a group never started' : `wire type ${wire}`, at);
    }
  }
}
