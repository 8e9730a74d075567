/**
 * The cluster's root CA key as the CA services use it: the store holds it sealed under the managers'
 * key-encryption key (KEK), which each manager keeps in its own data folder (node/swarm-membership.ts says why);
 * it is opened in memory for each signature. A cluster object from before keys were sealed still holds
 * it in clear: it is used as is until the leader seals it (Manager.sealRootCaKey).
 */
import { openRootCaKey, SealedKeyError, type RootCa } from '../../certs/index.ts';
import { PreconditionError, UnavailableError } from '../../lib/errors.ts';
import type { Cluster } from '../store/index.ts';

/** This manager's KEK, or undefined while it has none (a manager from before keys were sealed). */
export type KekSource = () => Buffer | undefined;

/** The root CA with its key in clear, for one signature. Throws UnavailableError or PreconditionError when this manager cannot open it. */
export function signingCa(cluster: Cluster, kek: KekSource): RootCa {
  const { certPem, keyEnc, keyPem } = cluster.rootCa;
  if (keyEnc === undefined) {
    if (keyPem === undefined) throw new Error('the cluster object holds no root CA key');
    return { certPem, keyPem };
  }
  return { certPem, keyPem: openWith(cluster, keyEnc, kek) };
}

/**
 * The KEK a new manager receives with its certificate or its Raft membership: this manager's, once
 * checked against the sealed key. Empty while the key is still in clear and this manager has no KEK
 * (the newcomer gets it later, as every manager from before sealing does). Throws when the
 * key is sealed and this manager cannot open it: a manager without the KEK could not sign anything.
 */
export function kekForNewManager(cluster: Cluster, kek: KekSource): Buffer {
  const { keyEnc } = cluster.rootCa;
  if (keyEnc === undefined) return kek() ?? Buffer.alloc(0);
  openWith(cluster, keyEnc, kek);
  return kek() ?? Buffer.alloc(0);
}

function openWith(cluster: Cluster, keyEnc: string, kek: KekSource): string {
  const k = kek();
  if (k === undefined) {
    throw new UnavailableError(
      'this manager does not hold the key-encryption key of the root CA key yet (it asks the leader for it)',
    );
  }
  try {
    return openRootCaKey(cluster.rootCa.certPem, keyEnc, k).keyPem;
  } catch (err) {
    if (!(err instanceof SealedKeyError)) throw err;
    throw new PreconditionError(`this manager cannot open the root CA key: ${err.message}`);
  }
}
