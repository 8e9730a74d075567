/**
 * `shoal network ls` and `network inspect` on a worker: docker shows there the networks the node has,
 * which for swarm networks are those its tasks use (and ingress). A worker holds no store; it answers
 * from the network view its agent got with its assignments. The view carries no labels, options or
 * flags beyond attachable and ingress, so they show empty; everything else about the cluster stays a
 * manager's to answer.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { resolveRef } from '../lib/resolve-ref.ts';
import { toGrpcStatus } from '../proto/rpc-status.ts';
import type { WireNetwork } from '../proto/control-types.ts';
import type { NetworkView, ViewNetwork } from '../proto/dispatcher-types.ts';

function wireNetworkOf(n: ViewNetwork): WireNetwork {
  return {
    id: n.id,
    version: 0,
    spec: {
      name: n.name,
      labels: {},
      driver: 'overlay',
      driverOptions: {},
      subnet: '',
      gateway: '',
      attachable: n.attachable,
      internal: false,
      ingress: n.ingress,
    },
    allocation: { subnet: n.subnet, gateway: n.gateway, vni: n.vni },
    createdAt: 0,
    updatedAt: 0,
  };
}

interface ListNetworksRequest {
  filters: { names: string[]; idPrefixes: string[] } | null;
}

/** The Control methods a worker answers itself (ListNetworks, GetNetwork), over `view()` (undefined: no agent). */
export function workerNetworkHandlers(
  view: () => NetworkView | undefined,
  log: Logger,
): {
  ListNetworks: grpc.handleUnaryCall<ListNetworksRequest, { networks: WireNetwork[] }>;
  GetNetwork: grpc.handleUnaryCall<{ networkId: string }, { network: WireNetwork }>;
} {
  return {
    GetNetwork: (call, cb) => {
      const networks = view()?.networks ?? [];
      try {
        const found = resolveRef('network', call.request.networkId, {
          byId: id => networks.find(n => n.id === id),
          byName: name => networks.find(n => n.name === name),
          byPrefix: prefix => networks.filter(n => n.id.startsWith(prefix)),
        });
        cb(null, { network: wireNetworkOf(found) });
      } catch (err) {
        cb(toGrpcStatus(err, log));
      }
    },
    ListNetworks: (call, cb) => {
      const names = call.request.filters?.names ?? [];
      const prefixes = call.request.filters?.idPrefixes ?? [];
      const networks = (view()?.networks ?? []).filter(
        n =>
          (names.length === 0 || names.includes(n.name)) &&
          (prefixes.length === 0 || prefixes.some(p => n.id.startsWith(p))),
      );
      cb(null, { networks: networks.map(wireNetworkOf) });
    },
  };
}
