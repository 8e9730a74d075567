import { blockSize, cidrLast, cidrsOverlap, type Cidr } from '../../lib/ipv4.ts';

/**
 * The subnets networks hold, and the default address pools new ones are carved from. A network without a
 * user-given subnet gets the lowest block of `subnetSize` in the first pool that has one overlapping no held
 * subnet and no excluded block (libnetwork's predefined pools work the same way), so the answer depends
 * only on what is held.
 */
export class SubnetPool {
  readonly pools: readonly Cidr[];
  readonly subnetSize: number;
  /** Blocks never carved (the gateway bridge range, unusable blocks); they may overlap held subnets. */
  private readonly excluded: readonly Cidr[];
  /** Network id → its subnet. Invariant: no two overlap. */
  private readonly held = new Map<string, Cidr>();

  /** `pools` and `subnetSize` are valid (see `addressPoolShapeProblem`). */
  constructor(pools: readonly Cidr[], subnetSize: number, excluded: readonly Cidr[] = []) {
    this.pools = pools;
    this.subnetSize = subnetSize;
    this.excluded = excluded;
  }

  /** The id of a network whose subnet overlaps `cidr` (the lowest such subnet), or undefined. */
  overlapping(cidr: Cidr): string | undefined {
    let found: [string, Cidr] | undefined;
    for (const entry of this.held) {
      if (cidrsOverlap(entry[1], cidr) && (found === undefined || entry[1].base < found[1].base))
        found = entry;
    }
    return found?.[0];
  }

  /** The subnet network `id` holds, or undefined. */
  subnetOf(id: string): Cidr | undefined {
    return this.held.get(id);
  }

  /** The lowest free block of `subnetSize` in the first pool that has one, or undefined if all are full. */
  next(): Cidr | undefined {
    const size = blockSize(this.subnetSize);
    const taken = [...this.held.values(), ...this.excluded].sort((a, b) => a.base - b.base);
    for (const pool of this.pools) {
      const end = cidrLast(pool);
      let candidate = pool.base;
      // Two blocks are disjoint or one holds the other; sorted by start, one pass suffices: a block inside
      // one already passed ends before the candidate.
      for (const subnet of taken) {
        if (candidate + size - 1 > end) break;
        if (cidrLast(subnet) < candidate) continue;
        if (subnet.base > candidate + size - 1) break;
        candidate = Math.ceil((cidrLast(subnet) + 1) / size) * size;
      }
      if (candidate + size - 1 <= end) return { base: candidate, prefix: this.subnetSize };
    }
    return undefined;
  }

  /** Records that network `id` holds `cidr`. The caller checked that nothing overlaps it. */
  take(id: string, cidr: Cidr): void {
    this.held.set(id, cidr);
  }

  /** Frees the subnet of network `id`, if it holds one. */
  release(id: string): void {
    this.held.delete(id);
  }
}
