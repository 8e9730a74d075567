/**
 * The nodes with a routing-mesh leg, as every view holds them: kept sorted by id as they change, so a
 * new session's full view copies the list instead of gathering and sorting thousands of nodes (at 5,000
 * nodes joining, that was a tenth of the leader's time).
 */
import type { ViewNode } from '../../proto/dispatcher-types.ts';

export class MeshNodes {
  private readonly list: ViewNode[] = [];

  /** The nodes, sorted by id; the caller must not change the array. */
  get nodes(): readonly ViewNode[] {
    return this.list;
  }

  has(id: string): boolean {
    return this.list[this.indexOf(id)]?.id === id;
  }

  /** Node `id` is now `v` (undefined: no longer in the mesh). */
  put(id: string, v: ViewNode | undefined): void {
    const i = this.indexOf(id);
    const here = this.list[i]?.id === id;
    if (v === undefined) {
      if (here) this.list.splice(i, 1);
    } else if (here) {
      this.list[i] = v;
    } else {
      this.list.splice(i, 0, v);
    }
  }

  /** Where `id` is, or would go. */
  private indexOf(id: string): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.list[mid] as ViewNode).id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
