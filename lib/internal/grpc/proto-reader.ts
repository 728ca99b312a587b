/**
 * Reading protobuf bytes by hand, for the codecs of the streaming calls'
 * hot paths (publish-codec, message-codec): varints, int64 as bigint,
 * strings (short ASCII decoded in JS, repeated ones interned).
 */

export const LEN = 2;
export const VARINT = 0;

/** A field's key: its number and wire type. */
export const tag = (field: number, wire: number) => (field << 3) | wire;

/** One 64-bit slot: a varint's two 32-bit halves written in, one bigint read out. */
const int64Slot = new BigInt64Array(1);
const int64Halves = new Uint32Array(int64Slot.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = littleEndian ? 0 : 1;
const HI = littleEndian ? 1 : 0;

/**
 * A string field that repeats from one message to the next (a stream name,
 * a subject, an ack inbox): the last one seen, with its bytes, handed out
 * again while the bytes match, so most messages decode it without allocating.
 */
export class Interned {
  private bytes: Buffer = Buffer.alloc(0);
  private text = '';

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    const known = this.bytes;
    if (known.length === length) {
      let i = 0;
      while (i < length && known[i] === buf[start + i]) i++;
      if (i === length) return this.text;
    }
    const text = buf.toString('utf8', start, end);
    if (length <= 256) {
      this.bytes = Buffer.from(buf.subarray(start, end));
      this.text = text;
    }
    return text;
  }
}

/** A cursor over protobuf bytes. */
export class Reader {
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
    // Up to 7 bytes (49 bits) fit a double exactly: one BigInt(). Longer
    // ones (nanosecond timestamps, negatives) are split into two 32-bit
    // halves and read back through a BigInt64Array: one bigint either way.
    const buf = this.buf;
    let small = 0;
    let scale = 1;
    const start = this.pos;
    for (let i = 0; i < 7; i++) {
      const b = buf[this.pos++] as number;
      small += (b & 0x7f) * scale;
      if (b < 0x80) return BigInt(small);
      scale *= 128;
    }
    this.pos = start;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[this.pos++] as number;
      lo |= (b & 0x7f) << shift;
    }
    b = buf[this.pos++] as number;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    for (let shift = 3; b >= 0x80 && shift < 32; shift += 7) {
      b = buf[this.pos++] as number;
      hi |= (b & 0x7f) << shift;
    }
    int64Halves[LO] = lo;
    int64Halves[HI] = hi;
    return int64Slot[0] as bigint;
  }

  string(): string {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    // Short ASCII (ids) is cheaper decoded here than by a call into the
    // runtime's UTF-8 decoder.
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

  /** A string field: `known` when its bytes are those of ASCII `known`, else decoded. */
  stringOr(known: string): string {
    const start = this.pos;
    const length = this.varint();
    const at = this.pos;
    if (length === known.length && length > 0) {
      const buf = this.buf;
      let i = 0;
      for (; i < length; i++) {
        const c = known.charCodeAt(i);
        if (c > 0x7f || buf[at + i] !== c) break;
      }
      if (i === length) {
        this.pos = at + length;
        return known;
      }
    }
    this.pos = start;
    return this.string();
  }

  /** A string field that usually repeats the last one seen. */
  repeated(cache: Interned): string {
    const length = this.varint();
    const start = this.pos;
    this.pos = start + length;
    return cache.get(this.buf, start, this.pos);
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

/** Decodes an Ack into `res.ack` (and its error into `res.ackError`). */
