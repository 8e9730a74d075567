/**
 * The Control API's network calls (`docker network create/ls/inspect/rm` on a swarm): the spec is checked
 * once at the boundary, the leader's allocator gives the network its subnet, gateway and VNI, and both go
 * into the store in one transaction, so a refused allocation writes nothing. Merged into the Control
 * handler map by control-server.ts.
 */
import { resolveRef } from '../../lib/resolve-ref.ts';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { randomNodeId } from '../../certs/index.ts';
import type { WireNetwork, WireNetworkSpec } from '../../proto/control-types.ts';
import { networkRemovalProblem, networkSpecProblem, predefinedNetworkProblem } from '../allocator/index.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { unary } from '../rpc/status.ts';
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  PermissionError,
  PreconditionError,
} from '../../lib/errors.ts';
import {
  createNetwork,
  deleteNetwork,
  findNetworks,
  findServices,
  findTasks,
  getNetwork,
  NameConflictError,
  type MemoryStore,
  type Network,
  type NetworkDriver,
  type NetworkSpec,
} from '../store/index.ts';
import type { LeaderAllocator } from '../leader/leader-allocator.ts';
import { nameFilterPredicate, type NameFilters } from './name-filters.ts';

export function wireNetwork(n: Network): WireNetwork {
  const { spec, allocation } = n;
  return {
    id: n.id,
    version: n.meta.version.index,
    spec: {
      name: spec.name,
      labels: spec.labels,
      driver: spec.driver,
      driverOptions: spec.driverOptions,
      subnet: spec.ipam?.subnet ?? '',
      gateway: spec.ipam?.gateway ?? '',
      attachable: spec.attachable,
      internal: spec.internal,
      ingress: spec.ingress,
    },
    allocation:
      allocation === undefined
        ? null
        : { subnet: allocation.subnet, gateway: allocation.gateway, vni: allocation.vni },
    createdAt: n.meta.createdAt,
    updatedAt: n.meta.updatedAt,
  };
}

/**
 * The store's spec for a wire spec, checked (INVALID_ARGUMENT with the validation's text). A predefined
 * network's name (`host`, `none`, `bridge`) is refused first, with docker's text and its 403's status.
 */
export function networkSpecOf(wire: WireNetworkSpec | null | undefined): NetworkSpec {
  if (wire === null || wire === undefined) {
    throw new InvalidArgumentError('a network spec is required');
  }
  const predefined = predefinedNetworkProblem(wire.name);
  if (predefined !== undefined) throw new PermissionError(predefined);
  const spec: NetworkSpec = {
    name: wire.name,
    labels: { ...wire.labels },
    // Checked just below, with a message naming the driver asked for.
    driver: (wire.driver === '' ? 'overlay' : wire.driver) as NetworkDriver,
    driverOptions: { ...wire.driverOptions },
    attachable: wire.attachable,
    internal: wire.internal,
    ingress: wire.ingress,
  };
  if (wire.subnet !== '' || wire.gateway !== '') {
    spec.ipam = {
      ...(wire.subnet === '' ? {} : { subnet: wire.subnet }),
      ...(wire.gateway === '' ? {} : { gateway: wire.gateway }),
    };
  }
  const problem = networkSpecProblem(spec);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return spec;
}

/** Finds one network by ID, name or unique ID prefix, in docker's order. */
export function resolveNetwork(store: MemoryStore, ref: string): Network {
  return store.view(tx =>
    resolveRef('network', ref, {
      byId: id => getNetwork(tx, id),
      byName: name => findNetworks(tx, { name })[0],
      byPrefix: idPrefix => findNetworks(tx, { idPrefix }),
    }),
  );
}

interface ListNetworksRequest {
  filters: NameFilters | null;
}

/** The network methods of the Control service, keyed by method name. */
export function networkHandlers(
  store: MemoryStore,
  raft: RaftNode,
  allocator: LeaderAllocator,
  log: Logger,
): grpc.UntypedServiceImplementation {
  return {
    CreateNetwork: unary(log, async (req: { spec: WireNetworkSpec | null }) => {
      const spec = networkSpecOf(req.spec);
      // swarmkit gives every kind of object the same kind of ID as nodes (identity.NewID).
      const id = randomNodeId();
      await allocator.run(async pools => {
        const allocation = pools.allocateNetwork({ id, spec });
        try {
          await allocator.write(
            tx => void createNetwork(tx, { id, spec, allocation }),
            () => pools.releaseNetwork(id),
          );
        } catch (err) {
          if (err instanceof NameConflictError) {
            throw new ConflictError(
              `name conflicts with an existing object: network ${spec.name} already exists`,
            );
          }
          throw err;
        }
      });
      const created = store.view(tx => getNetwork(tx, id));
      if (created === undefined) throw new NotFoundError(`network ${spec.name} not found`);
      return { network: wireNetwork(created) };
    }),
    GetNetwork: unary(log, async (req: { networkId: string }) => {
      await raft.readBarrier();
      return { network: wireNetwork(resolveNetwork(store, req.networkId)) };
    }),
    ListNetworks: unary(log, async (req: ListNetworksRequest) => {
      // A linearizable read, as ListNodes: every acknowledged create is listed, whichever manager answers.
      await raft.readBarrier();
      const networks = store.view(tx => findNetworks(tx, { where: nameFilterPredicate(req.filters) }));
      return { networks: networks.map(wireNetwork) };
    }),
    RemoveNetwork: unary(log, async (req: { networkId: string }) => {
      await allocator.run(async pools => {
        const network = resolveNetwork(store, req.networkId);
        const { services, tasks } = store.view(tx => ({
          // Publishing in ingress mode depends on the ingress network without naming it.
          services: network.spec.ingress ? findServices(tx) : findServices(tx, { networkId: network.id }),
          tasks: findTasks(tx, { networkId: network.id }),
        }));
        const problem = networkRemovalProblem(network, services, tasks);
        if (problem !== undefined) throw new PreconditionError(problem);
        await allocator.write(
          tx => deleteNetwork(tx, network.id),
          () => undefined,
        );
        try {
          pools.releaseNetwork(network.id);
        } catch (err) {
          // The store is the truth: the pools are rebuilt from it before the next allocation.
          log.warn({ err, networkId: network.id }, 'allocator: a removed network could not be released');
          allocator.invalidate();
        }
      });
      return {};
    }),
  };
}
