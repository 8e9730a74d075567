/**
 * The node loop's check: renews the certificate when it is due or no longer carries this node's role,
 * then follows the role the managers give the node: a manager whose node is a worker now (demoted, so
 * already out of Raft) stops its manager; a worker whose node is a manager now (promoted) joins Raft
 * and starts one. The node ID stays.
 */
import type { Logger } from 'pino';
import { messageOf } from '../lib/message-of.ts';
import type { Role } from './saved-state.ts';
import type { CertificateRenewal } from './certificate-renewal.ts';
import { receivedKek, type KekSync } from './kek-sync.ts';
import type { ManagerHost } from './manager-host.ts';
import type { ManagerLink } from './manager-link.ts';
import type { RaftJoinResponse, StatusResponse } from './manager-replies.ts';
import type { NodeState } from './node-state.ts';

export class RoleFollower {
  /** The last failure of the status poll, so that a lasting one is logged once. */
  private pollError = '';

  constructor(
    private readonly d: {
      state: NodeState;
      host: ManagerHost;
      link: ManagerLink;
      renewal: CertificateRenewal;
      kek: KekSync;
      log: Logger;
    },
  ) {}

  async check(): Promise<void> {
    const { state, host, renewal } = this.d;
    if (state.saved === undefined) return;
    await this.d.kek.keep();
    const status = await this.pollStatus();
    const wanted = roleOfStatus(status);
    const mismatch = wanted !== undefined && wanted !== state.certRole();
    let renewed = false;
    if (renewal.due(mismatch)) renewed = await renewal.renew();
    const held = state.certRole();
    if (wanted === 'worker' && held === 'worker' && host.manager !== undefined) await this.becomeWorker();
    else if (wanted === 'manager' && held === 'manager' && this.removedFromRaft(status)) {
      await this.leaveRaft('removed from raft while still a manager: it joins again');
      await this.becomeManager();
    } else if (wanted === 'manager' && held === 'manager' && host.manager === undefined)
      await this.becomeManager();
    // Same role, new certificate: the running manager serves it from now on, without a restart.
    else if (renewed && host.manager !== undefined) host.manager.updateCertificates(state.requireCerts());
  }

  /**
   * Whether this running manager's Raft member is gone although the node is to stay a manager: demoted
   * and promoted again before it saw the worker certificate (its old member stays removed; it must join
   * anew). Never while a demotion is under way (the desired role is worker: the member goes first, the
   * role follows). Either this member applied its own removal, or (when the removal never reached it)
   * two signs agree, so a member that lags behind its own addition is not taken for it: the answering
   * manager's membership lacks this node's address, and this member has been cut off from the others.
   */
  private removedFromRaft(s: StatusResponse | undefined): boolean {
    const [m, state] = [this.d.host.manager, this.d.state.saved];
    if (m === undefined || state === undefined || s?.desiredRole !== 'manager') return false;
    if (!m.raft.members.has(state.identity.raftId)) return true;
    return s.managers.length > 0 && !s.managers.includes(state.identity.addr) && m.raft.cutOff;
  }

  /** Demoted: the leader took this node out of Raft, then made it a worker; stop managing. */
  private async becomeWorker(): Promise<void> {
    await this.leaveRaft('demoted: this node is a worker now');
  }

  /** Stops this node's manager and forgets its Raft member; state.json says worker until it joins again. */
  private async leaveRaft(why: string): Promise<void> {
    const { state: nodeState, host, link, log } = this.d;
    const state = nodeState.saved;
    if (state === undefined) return;
    const managers = link.addrs().filter(a => a !== state.identity.addr);
    await host.stop();
    // Workers never hold the KEK; gone before state.json says worker (a crash in between starts a manager).
    nodeState.dropKek();
    nodeState.removeRaftLog();
    const identity = { ...state.identity, raftId: 0 };
    nodeState.save({ role: 'worker', identity, managers }, nodeState.requireCerts());
    log.info({ nodeId: identity.nodeId, raftId: state.identity.raftId }, why);
  }

  /** Promoted, with a manager certificate already: join Raft through the leader and start a manager. */
  private async becomeManager(): Promise<void> {
    const { state: nodeState, host, link, log } = this.d;
    const state = nodeState.saved;
    const certs = nodeState.requireCerts();
    if (state === undefined) return;
    const joined = await link.callAny<RaftJoinResponse>('RaftMembership', 'Join', {
      addr: state.identity.addr,
    });
    // A new member starts from an empty log; one left from an earlier membership (another Raft ID)
    // must not be read as this one's. Removed before state.json says manager, so a crash in between
    // only repeats the join (which returns the same ID). A log of this very ID is its own: kept.
    if (joined.raftId !== state.identity.raftId) nodeState.removeRaftLog();
    const identity = { ...state.identity, raftId: joined.raftId };
    // This node is a Raft member now, whatever happens next: no KEK (a cluster not sealed yet, whose
    // leader has none) is no reason to stop here; KekSync gets it later.
    const kek = receivedKek(joined.kek);
    if (kek !== undefined) nodeState.keepKek(kek);
    nodeState.save({ role: 'manager', identity }, certs);
    await host.start(identity, certs, { peers: new Map(joined.members.map(m => [m.raftId, m.addr])) });
    log.info({ nodeId: identity.nodeId, raftId: joined.raftId }, 'promoted: this node is a manager now');
  }

  /**
   * This node as the managers see it; a worker also learns where the managers are now. Undefined when
   * no manager answered (a lasting failure is logged once).
   */
  private async pollStatus(): Promise<StatusResponse | undefined> {
    const { state: nodeState, host, link, log } = this.d;
    const state = nodeState.saved;
    if (state === undefined) return undefined;
    try {
      const s = await link.callAny<StatusResponse>('NodeCA', 'NodeCertificateStatus', {
        nodeId: state.identity.nodeId,
      });
      this.pollError = '';
      const known = state.managers ?? [];
      if (host.manager === undefined && s.managers.length > 0 && !sameMembers(s.managers, known)) {
        nodeState.save({ ...state, managers: s.managers }, nodeState.requireCerts());
      }
      return s;
    } catch (err) {
      const why = messageOf(err);
      if (why !== this.pollError) log.warn({ err: why }, 'no manager answered about this node');
      this.pollError = why;
      return undefined;
    }
  }
}

/** The role the managers say this node has, if they answered. */
function roleOfStatus(s: StatusResponse | undefined): Role | undefined {
  if (s === undefined) return undefined;
  return s.role === 'manager' ? 'manager' : 'worker';
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every(x => b.includes(x));
}
