/**
 * What an agent says it holds of its view as it opens an Assignments stream (per network, the digest of
 * its endpoints: proto/view-digest.ts), checked once here, pure. A wrong entry refuses the stream: an
 * agent that sends one is broken, and a guess would leave it with a view that is not the manager's.
 */
import { InvalidArgumentError } from '../../lib/errors.ts';
import type { HeldNetwork__Output } from '../../proto/gen/shoal/v1/HeldNetwork.ts';
import { MAX_HELD_NETWORKS, parseDigest } from '../../proto/view-digest.ts';

/** Longer than any network ID the managers give (25 characters). */
const MAX_NETWORK_ID = 64;

/** Network ID → the digest the agent holds. Throws InvalidArgumentError on a malformed list. */
export function heldNetworksOf(held: readonly HeldNetwork__Output[]): Map<string, number> {
  if (held.length > MAX_HELD_NETWORKS) {
    throw new InvalidArgumentError(
      `held networks: ${held.length} is more than the ${MAX_HELD_NETWORKS} a view can hold`,
    );
  }
  const out = new Map<string, number>();
  for (const { networkId, digest } of held) {
    if (networkId === '' || networkId.length > MAX_NETWORK_ID) {
      throw new InvalidArgumentError(
        `held networks: a network ID must have 1 to ${MAX_NETWORK_ID} characters, not ${networkId.length}`,
      );
    }
    const d = parseDigest(digest);
    if (d === undefined) {
      throw new InvalidArgumentError(
        `held networks: network ${networkId}: digest "${digest.slice(0, 20)}" is not 13 hex digits`,
      );
    }
    if (out.has(networkId)) {
      throw new InvalidArgumentError(`held networks: network ${networkId} is named twice`);
    }
    out.set(networkId, d);
  }
  return out;
}
