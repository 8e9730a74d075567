/**
 * Keeps this manager's key-encryption key (KEK) in step with the cluster's root CA key. The root CA
 * key goes into the store, so into the Raft log and its snapshots, only sealed under the KEK, which is
 * never in the log (swarm-membership.ts says why).
 */
import type { Logger } from 'pino';
import { createKek, KEK_BYTES, openRootCaKey } from '../certs/index.ts';
import { messageOf } from '../lib/message-of.ts';
import { findClusters, type Cluster } from '../server/store/index.ts';
import type { ManagerHost } from './manager-host.ts';
import type { ManagerLink } from './manager-link.ts';
import type { RaftJoinResponse } from './manager-replies.ts';
import type { NodeState } from './node-state.ts';

export class KekSync {
  /** The last failure to get the KEK, so that a lasting one is logged once. */
  private kekError = '';

  constructor(private readonly d: { state: NodeState; host: ManagerHost; link: ManagerLink; log: Logger }) {}

  /**
   * A manager from before keys were sealed has none: the leader makes one and seals the key with it
   * (the migration), the others get it from the leader (RaftMembership.Join, as a promoted node does),
   * as does a manager whose KEK does not open the key (the leader changed between making its KEK and
   * sealing). A leader without it (it missed the sealing) cannot sign until a manager that has it
   * leads: it says so once.
   */
  async keep(): Promise<void> {
    const { state: nodeState, host, link, log } = this.d;
    const m = host.manager;
    const state = nodeState.saved;
    if (m === undefined || state === undefined) return;
    const cluster = m.store.view(tx => findClusters(tx))[0];
    if (cluster === undefined) return;
    const { keyEnc } = cluster.rootCa;
    if (keyEnc === undefined) {
      if (!m.raft.isLeader) return;
      // Kept before the key is sealed with it: a sealed key without its KEK would be lost.
      if (nodeState.kek === undefined) nodeState.keepKek(createKek());
      const kek = nodeState.kek;
      if (kek !== undefined && (await m.sealRootCaKey(kek))) {
        log.info("the root CA key is sealed under the managers' key-encryption key now");
      }
      return;
    }
    if (nodeState.kek !== undefined && opens(cluster, nodeState.kek)) return;
    try {
      const joined = await link.callAny<RaftJoinResponse>('RaftMembership', 'Join', {
        addr: state.identity.addr,
        kekOnly: true,
      });
      const kek = receivedKek(joined.kek);
      if (kek === undefined || !opens(cluster, kek)) {
        throw new Error('the leader sent no key-encryption key that opens the root CA key');
      }
      nodeState.keepKek(kek);
      this.kekError = '';
      log.info('received the key-encryption key of the root CA key');
    } catch (err) {
      const why = messageOf(err);
      if (why !== this.kekError) {
        log.warn(
          { err: why },
          'this manager cannot sign certificates: it lacks the key-encryption key of the root CA key',
        );
      }
      this.kekError = why;
    }
  }
}

/** The KEK a manager's reply carries; undefined when it carries none (or not a KEK). */
export function receivedKek(kek: Buffer | undefined): Buffer | undefined {
  return kek?.length === KEK_BYTES ? Buffer.from(kek) : undefined;
}

/** Whether `kek` opens the cluster's sealed root CA key. */
function opens(cluster: Cluster, kek: Buffer): boolean {
  const { certPem, keyEnc } = cluster.rootCa;
  if (keyEnc === undefined) return false;
  try {
    openRootCaKey(certPem, keyEnc, kek);
    return true;
  } catch {
    return false;
  }
}
