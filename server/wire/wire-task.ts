/**
 * A task as the wire carries it (`shoal.v1.Task`), with its spec and endpoint: the Control API answers
 * with it and the dispatcher sends it in assignments.
 */
import type { WireEndpoint, WireTask, WireTaskSpec } from '../../proto/control-types.ts';
import type { Endpoint, Task, TaskSpec } from '../store/index.ts';
import { wirePort } from './wire-port.ts';

export function wireTask(t: Task): WireTask {
  return {
    id: t.id,
    version: t.meta.version.index,
    serviceId: t.serviceId,
    slot: t.slot,
    nodeId: t.nodeId,
    desiredState: t.desiredState,
    status: {
      state: t.status.state,
      timestamp: t.status.timestamp,
      message: t.status.message ?? '',
      err: t.status.err ?? '',
    },
    spec: wireTaskSpec(t.spec),
    networks: t.networks.map(n => ({ networkId: n.networkId, addresses: [...n.addresses] })),
    endpoint: t.endpoint === undefined ? null : wireEndpoint(t.endpoint),
    createdAt: t.meta.createdAt,
    updatedAt: t.meta.updatedAt,
  };
}

export function wireTaskSpec(t: TaskSpec): WireTaskSpec {
  return {
    command: [...t.command],
    args: [...t.args],
    env: [...t.env],
    constraints: [...t.constraints],
    restart: { ...t.restart },
    stopGracePeriodMs: t.stopGracePeriodMs,
  };
}

export function wireEndpoint(e: Endpoint): WireEndpoint {
  return {
    ports: e.ports.map(wirePort),
    virtualIps: e.virtualIPs.map(v => ({ networkId: v.networkId, addr: v.addr })),
  };
}
