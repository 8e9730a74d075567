/**
 * Whom the embedded DNS forwards names of the outside for: not a task whose networks are all
 * `--internal`. Such a task has no route out, and Docker's resolver proxies nothing for it either; it
 * gets REFUSED at once instead. Pure, and kept apart from the answer path (one call where a name is
 * found not to be the cluster's), so the resolver's design can change around it.
 */
import type { NetworkView } from '../../proto/dispatcher-types.ts';

export class ForwardPolicy {
  private constructor(private readonly internal: ReadonlySet<string>) {}

  /** Forwards for everyone. */
  static readonly ALL = new ForwardPolicy(new Set());

  static fromView(view: NetworkView): ForwardPolicy {
    return new ForwardPolicy(new Set(view.networks.filter(n => n.internal).map(n => n.id)));
  }

  /** Whether an asker on `networkIds` may have names of the outside forwarded (yes on no network). */
  forwards(networkIds: readonly string[]): boolean {
    return networkIds.length === 0 || networkIds.some(id => !this.internal.has(id));
  }
}
