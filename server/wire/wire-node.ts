import type { WireNode } from '../../proto/control-types.ts';
import type { Node } from '../store/index.ts';

/**
 * A node as the wire carries it (`shoal.v1.Node`). `managerStatus` is the Control API's view of a
 * manager (leader, reachable, unreachable); the dispatcher tells an agent of its node without it ('').
 */
export function wireNode(n: Node, managerStatus = ''): WireNode {
  return {
    id: n.id,
    version: n.meta.version.index,
    hostname: n.description.hostname,
    role: n.role,
    availability: n.spec.availability,
    status: n.status.state,
    addr: n.status.addr,
    managerStatus,
    labels: n.spec.labels,
    createdAt: n.meta.createdAt,
    updatedAt: n.meta.updatedAt,
  };
}
