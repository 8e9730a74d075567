/**
 * The UDP side of the DNS server over the native batch loop (native/udp-batch.c): datagrams arrive in
 * batches of up to 64 per syscall and per JS call, each answered into a slot of the out buffer, and the
 * answers leave together in one sendmmsg. The same answers as the dgram path in socket-server.ts
 * (scope by source address, REFUSED for strangers, forwarded names on their async path), without its
 * per-datagram callback, Buffer, rinfo object and send request, which cap a dgram server's rate.
 */
import type { Forwarder } from './forwarder.ts';
import { FLAG_TRUNC, type BatchLoop, type UdpBatchAddon } from './native/udp-batch.ts';
import type { Responder, Scope } from './responder.ts';
import { answerUdp } from './udp-answer.ts';

/** The scope of an IPv4 source address as a number (no string per query), or undefined for a stranger. */
export type ScopeOfV4 = (address: number) => Scope | undefined;

/** a.b.c.d as the 32-bit number the batch loop reports sources as; undefined when not IPv4. */
export function ipv4Number(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export class BatchUdpServer {
  private readonly loop: BatchLoop;
  private readonly inHeads: Uint32Array;
  private readonly outHeads: Uint32Array;
  private readonly inData: Buffer;
  private readonly outData: Buffer;
  private readonly slot: number;
  /** u32 words per slot header: length, source address, source port, flags. */
  private readonly stride: number;
  private closed = false;

  /** Takes the socket `fd` (from addon.bindUdp): close() closes it. */
  constructor(
    addon: UdpBatchAddon,
    fd: number,
    private readonly responder: Responder,
    private readonly forwarder: Forwarder,
    private readonly scopeOf: ScopeOfV4,
  ) {
    const { BATCH, SLOT, HDR } = addon;
    const size = BATCH * HDR + BATCH * SLOT;
    const input = new ArrayBuffer(size);
    const output = new ArrayBuffer(size);
    this.slot = SLOT;
    this.stride = HDR / 4;
    this.inHeads = new Uint32Array(input, 0, (BATCH * HDR) / 4);
    this.outHeads = new Uint32Array(output, 0, (BATCH * HDR) / 4);
    this.inData = Buffer.from(input, BATCH * HDR);
    this.outData = Buffer.from(output, BATCH * HDR);
    this.loop = addon.startBatch(fd, input, output, count => this.onBatch(count));
  }

  /** Answers datagrams [0, count) of the in buffer; returns how many answers it put in the out buffer. */
  private onBatch(count: number): number {
    const heads = this.inHeads;
    const stride = this.stride;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const h = i * stride;
      // A datagram larger than a slot is no query we answer: dropped, as a malformed one is.
      if ((heads[h + 3]! & FLAG_TRUNC) !== 0) continue;
      const len = heads[h]!;
      const addr = heads[h + 1]!;
      const port = heads[h + 2]!;
      const at = i * this.slot;
      const packet = this.inData.subarray(at, at + len);
      const reply = this.answer(packet, addr, port);
      if (reply === null) continue;
      if (reply.length > this.slot) {
        this.loop.sendOne(reply, addr, port);
        continue;
      }
      reply.copy(this.outData, n * this.slot);
      const o = n * stride;
      this.outHeads[o] = reply.length;
      this.outHeads[o + 1] = addr;
      this.outHeads[o + 2] = port;
      n++;
    }
    return n;
  }

  /** The answer to send now, or null (dropped, or forwarded: its answer is sent when it comes). */
  private answer(packet: Buffer, addr: number, port: number): Buffer | null {
    return answerUdp(packet, this.scopeOf(addr), this.responder, this.forwarder, reply => {
      if (!this.closed) this.loop.sendOne(reply, addr, port);
    });
  }

  /** Datagrams read, answers sent, and answers dropped (a full send buffer, a refused destination). */
  stats(): { received: number; sent: number; dropped: number } {
    return this.loop.stats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop();
  }
}
