/**
 * VXLAN network identifiers: which network holds which. A network without a pinned VNI gets the lowest free
 * one from 4096 up (below are 802.1Q VLAN IDs, as in Swarm's overlay driver). Swarm searches serially from
 * where it stopped, but that cursor lives only in the leader's memory and starts over at 4096 after every
 * failover; the lowest free one is what a new leader would hand out, so the answer depends only on what is
 * held and a rebuilt pool gives the same.
 */

/** The driver option that pins a network's VNI (Docker's name). */
export const VXLANID_LIST_OPTION = 'com.docker.network.driver.overlay.vxlanid_list';

/** The smallest VNI a user may pin. */
export const MIN_VNI = 1;

/** The largest VNI (24 bits). */
export const MAX_VNI = 2 ** 24 - 1;

/** Where automatic VNIs start. */
export const FIRST_AUTO_VNI = 4096;

/** The VNIs networks hold. */
export class VniPool {
  /** VNI → network id. */
  private readonly held = new Map<number, string>();

  /** The network holding `vni`, or undefined. */
  holderOf(vni: number): string | undefined {
    return this.held.get(vni);
  }

  /** The lowest free VNI from FIRST_AUTO_VNI up, or undefined if none is left. */
  next(): number | undefined {
    for (let vni = FIRST_AUTO_VNI; vni <= MAX_VNI; vni++) if (!this.held.has(vni)) return vni;
    return undefined;
  }

  /** Gives `vni` to network `id`. The caller checked it is free. */
  take(vni: number, id: string): void {
    this.held.set(vni, id);
  }

  /** Frees `vni`. */
  release(vni: number): void {
    this.held.delete(vni);
  }
}

/**
 * The VNI pinned by a `vxlanid_list` option value (`"4100"`): one VNI, since an overlay network has one
 * subnet. Returns the VNI or a readable problem.
 */
export function parseVxlanIdList(text: string): { vni: number } | { problem: string } {
  const items = text.split(',').map(item => item.trim());
  if (items.some(item => !/^[0-9]{1,9}$/.test(item))) {
    return {
      problem: `invalid ${VXLANID_LIST_OPTION} ${JSON.stringify(text)}: expected a VXLAN ID such as 4100`,
    };
  }
  if (items.length !== 1) {
    return {
      problem: `${VXLANID_LIST_OPTION} names ${items.length} VXLAN IDs, but an overlay network has one subnet: give one`,
    };
  }
  const vni = Number(items[0]);
  if (vni < MIN_VNI || vni > MAX_VNI) {
    return { problem: `invalid VXLAN ID ${vni}: must be between ${MIN_VNI} and ${MAX_VNI}` };
  }
  return { vni };
}
