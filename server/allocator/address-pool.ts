import { blockSize, cidrLast, type Cidr } from '../../lib/ipv4.ts';

/**
 * The addresses of one subnet: who holds which, and where the serial search stands. The network and broadcast
 * addresses are never handed out. `takeNext` searches after the address it handed out last, wrapping around
 * at the end (libnetwork's serial mode, `com.docker.network.ipam.serial`), so a freed address is reused only
 * once the search has gone all the way round. Not a validator: callers check before they take.
 */
export class AddressPool {
  readonly subnet: Cidr;
  /** Address → holder (`gateway`, `service:<id>`, `task:<id>`). */
  private readonly held = new Map<number, string>();
  /** The address handed out serially last; `subnet.base` (never handed out) while there is none. */
  private cursor: number;

  /** The first host address (the one after the network address). */
  readonly first: number;
  /** The last host address (the one before the broadcast address). */
  readonly last: number;
  /** How many host addresses the subnet has in all. */
  readonly capacity: number;

  /** `lastAddress` is where an earlier pool's search stood (ignored unless a host address of the subnet). */
  constructor(subnet: Cidr, lastAddress?: number) {
    this.subnet = subnet;
    this.first = subnet.base + 1;
    this.last = cidrLast(subnet) - 1;
    this.capacity = Math.max(0, blockSize(subnet.prefix) - 2);
    this.cursor = lastAddress !== undefined && this.isHost(lastAddress) ? lastAddress : subnet.base;
  }

  /** How many addresses are held. */
  get size(): number {
    return this.held.size;
  }

  /** The address handed out serially last, or undefined if none yet. */
  get lastAddress(): number | undefined {
    return this.cursor === this.subnet.base ? undefined : this.cursor;
  }

  /** True if `address` may be handed out: inside the subnet, neither its network nor its broadcast address. */
  isHost(address: number): boolean {
    return address >= this.first && address <= this.last;
  }

  /** Who holds `address`, or undefined. */
  holderOf(address: number): string | undefined {
    return this.held.get(address);
  }

  /** Every held address with its holder, ascending. */
  entries(): [number, string][] {
    return [...this.held].sort((a, b) => a[0] - b[0]);
  }

  /** Gives `address` to `holder` without moving the search. The caller checked it is a free host address. */
  take(address: number, holder: string): void {
    this.held.set(address, holder);
  }

  /**
   * Gives the next free address after the last one handed out (wrapping around) to `holder`, and moves the
   * search there. Returns undefined, changing nothing, if the subnet is full.
   */
  takeNext(holder: string): number | undefined {
    if (this.held.size >= this.capacity) return undefined;
    const { first, last } = this;
    let address = this.cursor;
    // Only held addresses are skipped and one is free, so this ends within size + 1 steps.
    for (;;) {
      address = address >= last ? first : address + 1;
      if (!this.held.has(address)) break;
    }
    this.held.set(address, holder);
    this.cursor = address;
    return address;
  }

  /** The highest free host address (the search is not moved), or undefined if the subnet is full. */
  highestFree(): number | undefined {
    for (let address = this.last; address >= this.first; address--)
      if (!this.held.has(address)) return address;
    return undefined;
  }

  /** Frees `address`. The search does not move back: the address comes round again later. */
  release(address: number): void {
    this.held.delete(address);
  }

  /** Puts the search back where `lastAddress` says (undefined: at the start); for undoing a failed call. */
  restoreCursor(lastAddress: number | undefined): void {
    this.cursor = lastAddress ?? this.subnet.base;
  }
}
