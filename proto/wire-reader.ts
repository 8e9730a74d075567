/**
 * A cursor over protobuf bytes, for the few places that read a message's wire form themselves instead
 * of decoding it whole (the agent's endpoint hashes, the simulated agents' light decoder). Throws on
 * truncated or malformed input.
 */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

export class WireReader {
  /** `buf` as a Buffer, made once and shared with the readers of its fields (strings are read off it). */
  private readonly text: Buffer;

  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    readonly end = buf.length,
    text?: Buffer,
  ) {
    this.text =
      text ?? (Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  }

  get more(): boolean {
    return this.pos < this.end;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined || this.pos > this.end) throw new Error('protobuf: truncated varint');
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
    }
  }

  /** The field's tag: [number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t & 7];
  }

  /** A length-delimited field's bytes as a reader of their own. */
  sub(): WireReader {
    const len = this.varint();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error('protobuf: truncated field');
    return new WireReader(this.buf, start, this.pos, this.text);
  }

  string(): string {
    const r = this.sub();
    return this.text.toString('utf8', r.pos, r.end);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === I64) this.pos += 8;
    else if (wireType === LEN) {
      // Not `this.pos += this.varint()`: that adds the length to the position before the length was read.
      const len = this.varint();
      this.pos += len;
    } else if (wireType === I32) this.pos += 4;
    else throw new Error(`protobuf: wire type ${wireType} is not one proto3 uses`);
    if (this.pos > this.end) throw new Error('protobuf: truncated field');
  }
}
