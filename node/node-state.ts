/**
 * This node's place in a swarm, on disk and in memory: state.json (who it is, its role, where the
 * managers are), its certificates, and a manager's key-encryption key (KEK) of the root CA key. A
 * folder with state.json is a complete member: it is written last, and removed first on leaving.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readIdentity } from '../certs/index.ts';
import {
  readKek,
  readNodeCerts,
  removeKek,
  writeFileAtomic,
  writeKek,
  writeNodeCerts,
} from '../server/ca/cert-files.ts';
import { DamagedIdentityFileError } from '../server/ca/identity-file-error.ts';
import type { NodeCerts } from '../server/manager/manager.ts';
import { parseSavedState, roleOf, type Role, type SavedState } from './saved-state.ts';

export class NodeState {
  private saved_: SavedState | undefined;
  private certs_: NodeCerts | undefined;
  /**
   * A manager's key-encryption key of the root CA key (certificates/swarm-root-ca.kek); undefined on
   * a worker, and on a manager from before keys were sealed until it gets it (KekSync).
   */
  private kek_: Buffer | undefined;

  /** `onNewCerts`: the node holds other certificates now (clients and the renewal schedule follow). */
  constructor(
    private readonly dataDir: string,
    private readonly onNewCerts: (certs: NodeCerts) => void,
  ) {}

  /** This node's place in a swarm; undefined outside one. */
  get saved(): SavedState | undefined {
    return this.saved_;
  }

  get kek(): Buffer | undefined {
    return this.kek_;
  }

  get raftDir(): string {
    return join(this.dataDir, 'raft');
  }

  get statePath(): string {
    return join(this.dataDir, 'state.json');
  }

  private get certDir(): string {
    return join(this.dataDir, 'certificates');
  }

  /**
   * Loads state.json, the certificates and the KEK, each checked; undefined outside a swarm. Throws
   * DamagedIdentityFileError before anything is changed.
   */
  load(): SavedState | undefined {
    if (!existsSync(this.statePath)) return undefined;
    const s = parseSavedState(readFileSync(this.statePath, 'utf8'), this.statePath);
    const certs = this.loadCerts(s);
    this.kek_ = this.loadKek(s);
    this.saved_ = s;
    this.certs_ = certs;
    this.onNewCerts(certs);
    return s;
  }

  /**
   * The certificates, checked (cert-files.ts) and checked against state.json: the node and cluster IDs
   * are the certificate's CN and O, which only the CA could have written. Throws DamagedIdentityFileError.
   */
  private loadCerts(s: SavedState): NodeCerts {
    const { identity, ...certs } = readNodeCerts(this.certDir);
    const cert = join(this.certDir, 'swarm-node.crt');
    if (identity.nodeId !== s.identity.nodeId) {
      throw new DamagedIdentityFileError(
        this.statePath,
        `identity.nodeId is not the node certificate's (CN=${identity.nodeId} in ${cert})`,
      );
    }
    if (identity.clusterId !== s.identity.clusterId) {
      throw new DamagedIdentityFileError(
        this.statePath,
        `identity.clusterId is not the node certificate's (O=${identity.clusterId} in ${cert})`,
      );
    }
    return certs;
  }

  /**
   * A manager's KEK (none in a folder from before keys were sealed: KekSync gets it). A worker keeps
   * none: one left by a promotion that stopped before state.json said manager is removed (the
   * promotion gives it again).
   */
  private loadKek(s: SavedState): Buffer | undefined {
    if (roleOf(s) === 'manager') return readKek(this.certDir);
    removeKek(this.certDir);
    return undefined;
  }

  /** Writes `s` and (when they are new) `certs`, and takes them as this node's current ones. */
  save(s: SavedState, certs: NodeCerts): void {
    const fresh = certs !== this.certs_;
    if (fresh) writeNodeCerts(this.certDir, certs);
    // Written last: a folder with state.json is a complete member.
    writeFileAtomic(this.statePath, JSON.stringify(s, null, 2));
    this.saved_ = s;
    if (fresh) {
      this.certs_ = certs;
      this.onNewCerts(certs);
    }
  }

  requireCerts(): NodeCerts {
    if (this.certs_ === undefined) throw new Error('daemon: no certificates loaded');
    return this.certs_;
  }

  /** The role the certificate this node holds carries. */
  certRole(): Role {
    return readIdentity(this.requireCerts().certPem).role === 'swarm-manager' ? 'manager' : 'worker';
  }

  /** Holds `kek` in memory only (a manager starting for a new cluster, before the cluster exists). */
  holdKek(kek: Buffer | undefined): void {
    this.kek_ = kek;
  }

  /** Keeps `kek` as this manager's, in memory and in its file. */
  keepKek(kek: Buffer): void {
    writeKek(this.certDir, kek);
    this.kek_ = kek;
  }

  /** Forgets the KEK, in memory and in its file (workers never hold it). */
  dropKek(): void {
    this.kek_ = undefined;
    removeKek(this.certDir);
  }

  /** Removes this node's Raft log (a member's that is gone, or one of an earlier membership). */
  removeRaftLog(): void {
    rmSync(this.raftDir, { recursive: true, force: true });
  }

  /** Leaves the swarm: state.json first (the folder is no member from then on), the log, the certificates. */
  forget(): void {
    this.saved_ = undefined;
    this.certs_ = undefined;
    this.kek_ = undefined;
    rmSync(this.statePath, { force: true });
    this.removeRaftLog();
    rmSync(this.certDir, { recursive: true, force: true });
  }
}
