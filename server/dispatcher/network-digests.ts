/**
 * The digest of each network's endpoints as the view index holds them now (proto/view-digest.ts), to
 * match against what an agent holds when it opens a stream. Made when first asked after the network's
 * endpoints changed, then kept: the agents coming back after a failover, thousands at once while
 * little changes, cost one pass per network between them.
 */
import { endpointHash, EMPTY_DIGEST, withEndpoint } from '../../proto/view-digest.ts';
import type { ViewEndpoint } from '../../proto/dispatcher-types.ts';
import { endpointBytes } from './assignments-encoder.ts';
import type { NetworkViewIndex } from './view-index.ts';

/** Each endpoint object's hash, for as long as it lives (the index replaces it on change). */
const hashes = new WeakMap<ViewEndpoint, number>();

function hashOf(e: ViewEndpoint): number {
  let h = hashes.get(e);
  if (h === undefined) {
    h = endpointHash(endpointBytes(e));
    hashes.set(e, h);
  }
  return h;
}

export class NetworkDigests {
  private readonly made = new Map<string, { version: number; digest: number }>();

  constructor(private readonly index: NetworkViewIndex) {}

  /** Network `k`'s digest now. */
  of(k: string): number {
    const version = this.index.endpointsVersion(k);
    const had = this.made.get(k);
    if (had?.version === version) return had.digest;
    let digest = EMPTY_DIGEST;
    for (const e of this.index.endpointsOn(k)) digest = withEndpoint(digest, hashOf(e));
    this.made.set(k, { version, digest });
    return digest;
  }
}
