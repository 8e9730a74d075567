/**
 * The Control API: thin handlers that validate, run a store transaction or read, and shape the reply.
 * Errors are thrown as domain errors and mapped to statuses in server/rpc/status.ts.
 */
import { resolveRef } from '../../lib/resolve-ref.ts';
import type { UpdateNodeRequest__Output as UpdateNodeRequest } from '../../proto/gen/shoal/v1/UpdateNodeRequest.ts';
import type { ControlHandlers } from '../../proto/gen/shoal/v1/Control.ts';
import type { Logger } from 'pino';
import { createJoinToken, NODE_CERT_VALIDITY_MS, readIdentity } from '../../certs/index.ts';
import type { WireNode } from '../../proto/control-types.ts';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { DEFAULT_GATEWAY_SUBNET, labelsProblem } from '../allocator/index.ts';
import { clusterOf } from '../ca/ca-server.ts';
import { configHandlers } from './config-server.ts';
import type { LeaderAllocator } from '../leader/leader-allocator.ts';
import { networkHandlers } from './network-server.ts';
import { serviceHandlers } from './service-server.ts';
import { taskHandlers } from './task-server.ts';
import { wireNode } from '../wire/wire-node.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { unary } from '../rpc/status.ts';
import { InvalidArgumentError, PreconditionError } from '../../lib/errors.ts';
import {
  findNodes,
  getNode,
  SequenceConflictError,
  updateCluster,
  updateNode,
  deleteNode,
  type MemoryStore,
  type Node,
  type NodeRole,
} from '../store/index.ts';

const pkg = loadShoalPackage('control.proto');
export const controlService = serviceOf(pkg, 'Control');

/** The node with its manager status as this manager sees it: leader, reachable or unreachable. */
function nodeView(n: Node, raft: RaftNode): WireNode {
  const id = n.managerStatus?.raftId;
  if (id === undefined) return wireNode(n);
  return wireNode(n, raft.leader === id ? 'leader' : raft.reachable(id) ? 'reachable' : 'unreachable');
}

/** Finds one node by ID, unique ID prefix or hostname, as docker does. */
export function resolveNode(store: MemoryStore, ref: string): Node {
  // A full ID is looked up, not searched for: labelling 5,000 nodes by ID read and sorted every node per call.
  return resolveRef('node', ref, {
    byId: id => store.view(tx => getNode(tx, id)),
    byPrefix: prefix =>
      store.view(tx =>
        findNodes(tx, { where: n => n.id.startsWith(prefix) || n.description.hostname === prefix }),
      ),
  });
}

function wireCluster(store: MemoryStore): object {
  const c = clusterOf(store);
  return {
    id: c.id,
    name: c.spec.name,
    workerToken: c.joinTokens.worker,
    managerToken: c.joinTokens.manager,
    caDigest: c.rootCa.caDigest,
    createdAt: c.meta.createdAt,
    gatewaySubnet: c.gatewaySubnet ?? DEFAULT_GATEWAY_SUBNET,
  };
}

/** When the node's last issued certificate expires (ms), if the store has it. */
function certificateExpiry(n: Node): number | undefined {
  const pem = n.certificate.certPem;
  if (pem === undefined) return undefined;
  try {
    return readIdentity(pem).notAfter.getTime();
  } catch {
    return undefined;
  }
}

const AVAILABILITIES = new Set(['active', 'pause', 'drain']);

/** The role a request asks for; undefined = leave it. */
function roleOf(role: string): NodeRole | undefined {
  if (role === '') return undefined;
  if (role === 'manager' || role === 'worker') return role;
  throw new InvalidArgumentError(`invalid role "${role}": use manager or worker`);
}

/** Refuses to demote `node` (a manager) as swarmkit's UpdateNode does: the last one, or losing quorum. */
function demotionProblem(store: MemoryStore, raft: RaftNode, node: Node): void {
  // Managers already on their way out do not count: demoting the last two one after the other is refused too.
  const staying = store.view(tx =>
    findNodes(tx, { role: 'manager', where: n => n.id !== node.id && n.spec.desiredRole === 'manager' }),
  );
  if (staying.length === 0) {
    throw new PreconditionError('attempting to demote the last manager of the swarm');
  }
  const raftId = node.managerStatus?.raftId;
  if (raftId !== undefined && raft.voters().includes(raftId) && raft.removalProblem(raftId) !== undefined) {
    throw new PreconditionError("can't remove member from the raft: this would result in a loss of quorum");
  }
}

/** The node's labels once `req`'s additions and removals are made, checked as every object's labels are. */
function nextLabels(cur: Record<string, string>, req: UpdateNodeRequest): Record<string, string> {
  const labels = { ...cur, ...req.labelAdd };
  for (const k of req.labelRm) {
    if (!(k in labels)) {
      const key = k.length > 64 ? `${k.slice(0, 64)}…` : k;
      throw new InvalidArgumentError(`key ${key} doesn't exist in node's labels`);
    }
    delete labels[k];
  }
  if ('' in labels) throw new InvalidArgumentError('a label key cannot be empty');
  const problem = labelsProblem('node', labels);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return labels;
}

export function controlHandlers(
  store: MemoryStore,
  raft: RaftNode,
  allocator: LeaderAllocator,
  log: Logger,
): ControlHandlers {
  return {
    ListNodes: unary(log, async () => {
      // A linearizable read: what this manager answers includes every acknowledged write.
      await raft.readBarrier();
      return { nodes: store.view(tx => findNodes(tx)).map(n => nodeView(n, raft)) };
    }),
    GetNode: unary(log, async (req: { nodeId: string }) => {
      await raft.readBarrier();
      return { node: nodeView(resolveNode(store, req.nodeId), raft) };
    }),
    UpdateNode: unary(log, async (req: UpdateNodeRequest) => {
      for (let attempt = 1; ; attempt++) {
        const node = resolveNode(store, req.nodeId);
        const desiredRole = roleOf(req.desiredRole);
        if (desiredRole === 'worker' && node.role === 'manager') demotionProblem(store, raft, node);
        if (req.availability !== '' && !AVAILABILITIES.has(req.availability)) {
          throw new InvalidArgumentError(
            `invalid availability "${req.availability}": use active, pause or drain`,
          );
        }
        const version = req.version > 0 ? req.version : node.meta.version.index;
        try {
          await store.update(tx => {
            updateNode(tx, {
              ...node,
              meta: { ...node.meta, version: { index: version } },
              spec: {
                ...node.spec,
                // The role manager (on the leader) carries a role change out: see server/ca/role-plan.ts.
                ...(desiredRole === undefined ? {} : { desiredRole }),
                ...(req.availability === ''
                  ? {}
                  : { availability: req.availability as Node['spec']['availability'] }),
                labels: nextLabels(node.spec.labels, req),
              },
            });
          }, Date.now());
          return { node: nodeView(resolveNode(store, node.id), raft) };
        } catch (err) {
          // Version 0 asks for the current one: a write that committed between the read and this one (the
          // node's own status, another label) is no conflict, and the change is made again on top of it.
          if (req.version > 0 || !(err instanceof SequenceConflictError) || attempt >= 10) throw err;
        }
      }
    }),
    RemoveNode: unary(log, async (req: { nodeId: string; force: boolean }) => {
      const node = resolveNode(store, req.nodeId);
      if (node.role === 'manager') {
        throw new PreconditionError(
          `rpc error: node ${node.id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
        );
      }
      if (node.status.state === 'ready' && !req.force) {
        throw new PreconditionError(`node ${node.id} is not down and can't be removed`);
      }
      const cluster = clusterOf(store);
      await store.update(tx => {
        deleteNode(tx, node.id);
        // Its certificate is refused from now on, until it would have expired anyway.
        const expiresAt = certificateExpiry(node) ?? Date.now() + NODE_CERT_VALIDITY_MS;
        updateCluster(tx, {
          ...cluster,
          blacklistedCertificates: { ...cluster.blacklistedCertificates, [node.id]: { expiresAt } },
        });
      }, Date.now());
      return {};
    }),
    GetCluster: unary(log, async () => {
      await raft.readBarrier();
      return { cluster: wireCluster(store) };
    }),
    RotateJoinToken: unary(log, async (req: { role: string }) => {
      if (req.role !== 'worker' && req.role !== 'manager') {
        throw new InvalidArgumentError(`unknown role ${req.role}: use worker or manager`);
      }
      const c = clusterOf(store);
      const token = createJoinToken(c.rootCa.certPem);
      await store.update(
        tx => updateCluster(tx, { ...c, joinTokens: { ...c.joinTokens, [req.role]: token } }),
        Date.now(),
      );
      return { cluster: wireCluster(store) };
    }),
    // One handler map for the whole Control service: the manager port and the daemon's socket both serve it.
    ...configHandlers(store, raft, log),
    ...networkHandlers(store, raft, allocator, log),
    ...serviceHandlers(store, raft, allocator, log),
    ...taskHandlers(store, raft, log),
  };
}
