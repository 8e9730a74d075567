/**
 * The native UDP batch addon (udp-batch.c, compiled by bin/build.mjs into build/ beside it), typed, or
 * why it is not there. Loaded once per thread that asks (the resolver thread). Nothing else in Shoal
 * needs it: without it the resolver answers through node's dgram as before.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Datagrams per batch, bytes per data slot and per slot header (u32 length, address, port, flags). */
export interface BatchLayout {
  readonly BATCH: number;
  readonly SLOT: number;
  readonly HDR: number;
}

/**
 * A running batch loop over one UDP socket (it owns the socket: stop() closes it). Its owner keeps a
 * reference: a loop that is garbage collected is stopped.
 */
export interface BatchLoop {
  /** Sends out slots [0, n) now (onBatch's return value does the same after each batch). */
  send(n: number): void;
  /** One datagram from any buffer: an answer that came later (forwarded) or does not fit a slot. */
  sendOne(packet: Buffer, addr: number, port: number): void;
  stop(): void;
  stats(): { received: number; sent: number; dropped: number };
}

export interface UdpBatchAddon extends BatchLayout {
  /** A UDP socket bound on addr:port (0: any), made in the network namespace at `netnsPath` when given. */
  bindUdp(addr: string, port: number, netnsPath: string | null): { fd: number; port: number };
  /** A listening TCP socket, likewise: net.Server.listen({ fd }) takes it. */
  bindTcpListen(addr: string, port: number, netnsPath: string | null, backlog: number): number;
  closeFd(fd: number): void;
  /**
   * Reads datagrams into `input`'s slots and calls onBatch(count) once per batch; onBatch writes answers
   * into `output`'s slots and returns how many, which are sent before the next read.
   */
  startBatch(
    fd: number,
    input: ArrayBuffer,
    output: ArrayBuffer,
    onBatch: (count: number) => number,
  ): BatchLoop;
}

/** Slot header flag: the datagram was larger than a slot and is cut short. */
export const FLAG_TRUNC = 1;

export const ADDON_PATH = fileURLToPath(new URL('./build/udp-batch.node', import.meta.url));

let loaded: { addon: UdpBatchAddon | null; why: string } | undefined;

/** The addon, or null with the reason (not built: no compiler at install time; or it does not load). */
export function loadUdpBatch(): { addon: UdpBatchAddon | null; why: string } {
  if (loaded !== undefined) return loaded;
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as UdpBatchAddon;
    loaded = { addon, why: 'loaded' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    loaded = {
      addon: null,
      why:
        code === 'MODULE_NOT_FOUND'
          ? `${ADDON_PATH} is not built (npm run build compiles it; it needs cc and node's headers)`
          : `${ADDON_PATH} does not load: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  return loaded;
}
