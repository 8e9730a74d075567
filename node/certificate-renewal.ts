/**
 * This node's certificate renewal: when it is due (a random point late in its validity, as swarmkit
 * picks), the renewal with the managers, and the backoff after a failure (5 s doubling to 1 h).
 */
import type { Logger } from 'pino';
import {
  checkKeyPair,
  createCsr,
  createNodeKey,
  readIdentity,
  renewalRetryDelayMs,
  renewalTime,
  verifyNodeCertificate,
} from '../certs/index.ts';
import { messageOf } from '../lib/message-of.ts';
import type { NodeCerts } from '../server/manager/manager.ts';
import type { IssueResponse } from './manager-replies.ts';
import type { ManagerLink } from './manager-link.ts';
import type { NodeState } from './node-state.ts';

export class CertificateRenewal {
  /** When the current certificate is due for renewal (ms, by `now`). */
  private renewAt = Infinity;
  private failures = 0;
  /** No renewal attempt before this (ms): the backoff after a failure. */
  private retryAt = 0;

  constructor(
    private readonly d: {
      state: NodeState;
      link: ManagerLink;
      hostname: string;
      log: Logger;
      now: () => number;
    },
  ) {}

  /** Schedules the renewal of `certs`, the node's new certificates. */
  reset(certs: NodeCerts): void {
    const { notBefore, notAfter } = readIdentity(certs.certPem);
    this.renewAt = renewalTime(notBefore, notAfter, Math.random());
    this.failures = 0;
    this.retryAt = 0;
  }

  /** No certificate to renew (the node left its swarm). */
  cancel(): void {
    this.renewAt = Infinity;
  }

  /** Whether to renew now: it is due, or `mismatch` (it no longer carries the node's role); not in a backoff. */
  due(mismatch: boolean): boolean {
    const now = this.d.now();
    return (now >= this.renewAt || mismatch) && now >= this.retryAt;
  }

  /** Renews this node's certificate with the managers; on failure, backs off. Whether it renewed. */
  async renew(): Promise<boolean> {
    const { state: nodeState, link, hostname, log } = this.d;
    const state = nodeState.saved;
    const certs = nodeState.requireCerts();
    if (state === undefined) return false;
    const { nodeId, clusterId } = state.identity;
    try {
      const key = createNodeKey();
      const res = await link.callAny<IssueResponse>('NodeCA', 'IssueNodeCertificate', {
        csr: createCsr(key.keyPem),
        token: '',
        hostname,
        addr: state.identity.addr,
      });
      const id = verifyNodeCertificate(res.certificate, certs.caPem, new Date());
      checkKeyPair(res.certificate, key.keyPem);
      if (id.nodeId !== nodeId || id.clusterId !== clusterId) {
        throw new Error(`the CA issued a certificate for node ${id.nodeId} of cluster ${id.clusterId}`);
      }
      nodeState.save(state, { caPem: certs.caPem, certPem: res.certificate, keyPem: key.keyPem });
      log.info({ nodeId, role: id.role, notAfter: id.notAfter }, 'node certificate renewed');
      return true;
    } catch (err) {
      this.failures++;
      const wait = renewalRetryDelayMs(this.failures);
      this.retryAt = this.d.now() + wait;
      log.warn({ err: messageOf(err), retryInMs: wait }, 'certificate renewal failed');
      return false;
    }
  }
}
