/**
 * The Control API's service calls (`docker service create/ls/inspect/update/rm`): the wire spec becomes the
 * store's spec with Swarm's defaults, network references become IDs, and the whole spec is checked once
 * with the allocator's validation. Creating, updating and removing run in the leader's allocator: the
 * service's VIPs and published ports are allocated and written in the same store transaction as the
 * service (with the networks whose serial cursor moved), so a refusal writes nothing and takes nothing.
 * A service created without a name gets one, as docker's daemon gives it (generated-name.ts).
 * Merged into the Control handler map by control-server.ts.
 */
import { resolveRef } from '../../lib/resolve-ref.ts';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { randomNodeId } from '../../certs/index.ts';
import type {
  WireEndpointSpec,
  WirePortConfig,
  WireService,
  WireServiceSpec,
  WireTaskSpec,
} from '../../proto/control-types.ts';
import { jsonBytes, serviceSpecProblem } from '../allocator/index.ts';
import { oversizeAllowance, takeBatch } from '../leader/bounded-batch.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { unary } from '../rpc/status.ts';
import { ConflictError, InvalidArgumentError, NotFoundError, UnimplementedError } from '../../lib/errors.ts';
import {
  compareTaskStates,
  createService,
  DEFAULT_RESTART_POLICY,
  DEFAULT_STOP_GRACE_PERIOD_MS,
  DEFAULT_UPDATE_CONFIG,
  deleteService,
  findServices,
  findTasks,
  getNetwork,
  getService,
  getTask,
  NameConflictError,
  SequenceConflictError,
  serviceTable,
  updateService,
  updateTask,
  type Endpoint,
  type EndpointMode,
  type MemoryStore,
  type PortConfig,
  type PortProtocol,
  type PublishMode,
  type RestartCondition,
  type Service,
  type ServiceMode,
  type ServiceSpec,
  type TaskSpec,
  type UpdateFailureAction,
  type UpdateOrder,
} from '../store/index.ts';
import { generatedName } from './generated-name.ts';
import { writeNetworkUpdates, type LeaderAllocator } from '../leader/leader-allocator.ts';
import { nameFilterPredicate, type NameFilters } from './name-filters.ts';
import { resolveNetwork } from './network-server.ts';
import { wirePort } from '../wire/wire-port.ts';
import { wireEndpoint, wireTaskSpec } from '../wire/wire-task.ts';

// Store → wire

export function wireServiceSpec(spec: ServiceSpec): WireServiceSpec {
  const replicated = 'replicated' in spec.mode ? spec.mode.replicated : undefined;
  return {
    name: spec.name,
    labels: { ...spec.labels },
    mode: replicated === undefined ? 'global' : 'replicated',
    replicas: replicated?.replicas ?? 0,
    task: wireTaskSpec(spec.task),
    networks: spec.networks.map(n => n.target),
    endpoint: { mode: spec.endpoint.mode, ports: spec.endpoint.ports.map(wirePort) },
    update: { ...spec.update },
  };
}

export function wireService(s: Service): WireService {
  return {
    id: s.id,
    version: s.meta.version.index,
    spec: wireServiceSpec(s.spec),
    previousSpec: s.previousSpec === undefined ? null : wireServiceSpec(s.previousSpec),
    endpoint: s.endpoint === undefined ? null : wireEndpoint(s.endpoint),
    createdAt: s.meta.createdAt,
    updatedAt: s.meta.updatedAt,
    updateStatus: s.updateStatus === undefined ? null : { completedAt: 0, ...s.updateStatus },
  };
}

// Wire → store

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}

function modeOf(wire: WireServiceSpec): ServiceMode {
  const mode = wire.mode === '' ? 'replicated' : wire.mode;
  if (mode === 'replicated') return { replicated: { replicas: wire.replicas } };
  if (mode === 'global') {
    if (wire.replicas !== 0) throw invalid('replicas can only be used with replicated mode');
    return { global: {} };
  }
  throw invalid(`invalid service mode ${JSON.stringify(mode)}: expected replicated or global`);
}

/** The task template; what is absent gets Swarm's defaults (the values themselves are checked later). */
function taskSpecOf(wire: WireTaskSpec | null): TaskSpec {
  const restart = wire?.restart ?? null;
  return {
    command: [...(wire?.command ?? [])],
    args: [...(wire?.args ?? [])],
    env: [...(wire?.env ?? [])],
    constraints: [...(wire?.constraints ?? [])],
    restart:
      restart === null
        ? { ...DEFAULT_RESTART_POLICY }
        : {
            condition: (restart.condition === '' ? 'any' : restart.condition) as RestartCondition,
            delayMs: restart.delayMs,
            maxAttempts: restart.maxAttempts,
          },
    stopGracePeriodMs:
      wire === null || wire.stopGracePeriodMs === 0 ? DEFAULT_STOP_GRACE_PERIOD_MS : wire.stopGracePeriodMs,
  };
}

function portOf(p: WirePortConfig): PortConfig {
  return {
    ...(p.name === '' ? {} : { name: p.name }),
    protocol: (p.protocol === '' ? 'tcp' : p.protocol) as PortProtocol,
    targetPort: p.targetPort,
    publishedPort: p.publishedPort,
    publishMode: (p.publishMode === '' ? 'ingress' : p.publishMode) as PublishMode,
  };
}

function endpointSpecOf(wire: WireEndpointSpec | null): ServiceSpec['endpoint'] {
  if (wire === null) return { mode: 'vip', ports: [] };
  return {
    mode: (wire.mode === '' ? 'vip' : wire.mode) as EndpointMode,
    ports: wire.ports.map(portOf),
  };
}

function updateConfigOf(wire: WireServiceSpec['update']): ServiceSpec['update'] {
  if (wire === null) return { ...DEFAULT_UPDATE_CONFIG };
  return {
    parallelism: wire.parallelism,
    delayMs: wire.delayMs,
    failureAction: (wire.failureAction === ''
      ? DEFAULT_UPDATE_CONFIG.failureAction
      : wire.failureAction) as UpdateFailureAction,
    monitorMs: wire.monitorMs === 0 ? DEFAULT_UPDATE_CONFIG.monitorMs : wire.monitorMs,
    maxFailureRatio: wire.maxFailureRatio,
    order: (wire.order === '' ? DEFAULT_UPDATE_CONFIG.order : wire.order) as UpdateOrder,
  };
}

/**
 * A network reference (ID, name or unique ID prefix) as the network's ID. An unknown one is kept as given,
 * so that the spec check reports it (`network <ref> not found`, InvalidArgument) in its turn.
 */
function networkIdOf(store: MemoryStore, ref: string): string {
  try {
    return resolveNetwork(store, ref).id;
  } catch (err) {
    if (err instanceof NotFoundError) return ref;
    throw err;
  }
}

/**
 * The store's spec for a wire spec, with Swarm's defaults for what is absent and network references
 * resolved to IDs, checked once (INVALID_ARGUMENT with the validation's text).
 */
export function serviceSpecOf(store: MemoryStore, wire: WireServiceSpec | null | undefined): ServiceSpec {
  if (wire === null || wire === undefined) throw invalid('a service spec is required');
  const spec: ServiceSpec = {
    name: wire.name,
    labels: { ...wire.labels },
    mode: modeOf(wire),
    task: taskSpecOf(wire.task),
    networks: wire.networks.map(ref => ({ target: networkIdOf(store, ref) })),
    endpoint: endpointSpecOf(wire.endpoint),
    update: updateConfigOf(wire.update),
  };
  const problem = serviceSpecProblem(spec, id => store.view(tx => getNetwork(tx, id)));
  if (problem !== undefined) throw invalid(problem);
  return spec;
}

// Lookups

/** Finds one service by ID, name or unique ID prefix, in docker's order. */
export function resolveService(store: MemoryStore, ref: string): Service {
  return store.view(tx =>
    resolveRef('service', ref, {
      byId: id => getService(tx, id),
      byName: name => findServices(tx, { name })[0],
      byPrefix: idPrefix => findServices(tx, { idPrefix }),
    }),
  );
}

/** The ALREADY_EXISTS docker gives for a taken service name (swarmkit's text). */
function nameConflict(name: string): ConflictError {
  return new ConflictError(`name conflicts with an existing object: service ${name} already exists`);
}

function modeKind(spec: ServiceSpec): string {
  return 'replicated' in spec.mode ? 'replicated' : 'global';
}

interface ListServicesRequest {
  filters: NameFilters | null;
}

interface UpdateServiceRequest {
  serviceId: string;
  version: number;
  spec: WireServiceSpec | null;
}

/** The service methods of the Control service, keyed by method name. */
export function serviceHandlers(
  store: MemoryStore,
  raft: RaftNode,
  allocator: LeaderAllocator,
  log: Logger,
): grpc.UntypedServiceImplementation {
  const read = (id: string): Service => {
    const s = store.view(tx => getService(tx, id));
    if (s === undefined) throw new NotFoundError(`service ${id} not found`);
    return s;
  };
  return {
    CreateService: unary(log, async (req: { spec: WireServiceSpec | null }) => {
      // swarmkit gives every kind of object the same kind of ID as nodes (identity.NewID).
      const id = randomNodeId();
      const taken = (name: string): boolean => store.view(tx => findServices(tx, { name })).length > 0;
      const wire = req.spec?.name === '' ? { ...req.spec, name: generatedName(taken, id) } : req.spec;
      const spec = serviceSpecOf(store, wire);
      await allocator.run(async pools => {
        // Before allocating: a refused write must not have moved the networks' serial cursors.
        if (store.view(tx => findServices(tx, { name: spec.name })).length > 0) throw nameConflict(spec.name);
        const { endpoint, networkUpdates } = pools.allocateService({ id, spec });
        try {
          await allocator.write(
            tx => {
              createService(tx, { id, spec, endpoint });
              writeNetworkUpdates(tx, networkUpdates);
            },
            () => {
              pools.releaseService(id);
              // The cursors moved in the pools and not in the store: rebuild from the store.
              allocator.invalidate();
            },
          );
        } catch (err) {
          if (err instanceof NameConflictError) throw nameConflict(spec.name);
          throw err;
        }
      });
      return { service: wireService(read(id)) };
    }),
    GetService: unary(log, async (req: { serviceId: string }) => {
      await raft.readBarrier();
      return { service: wireService(resolveService(store, req.serviceId)) };
    }),
    ListServices: unary(log, async (req: ListServicesRequest) => {
      // A linearizable read, as ListNetworks.
      await raft.readBarrier();
      const services = store.view(tx => findServices(tx, { where: nameFilterPredicate(req.filters) }));
      return { services: services.map(wireService) };
    }),
    UpdateService: unary(log, async (req: UpdateServiceRequest) => {
      const spec = serviceSpecOf(store, req.spec);
      const id = await allocator.run(async pools => {
        const current = resolveService(store, req.serviceId);
        const stored = current.meta.version.index;
        // The store checks again when the entry applies; checked here too, before anything is allocated.
        if (req.version !== stored) {
          throw new SequenceConflictError(serviceTable.name, current.id, req.version, stored);
        }
        if (spec.name !== current.spec.name) {
          throw new UnimplementedError('renaming services is not supported');
        }
        if (modeKind(spec) !== modeKind(current.spec)) {
          throw new UnimplementedError('service mode change is not allowed');
        }
        // Networks, endpoint mode or ports changed: the allocator keeps what still fits, frees what no
        // longer does and takes what is new, or refuses and changes nothing (the old allocation stays).
        const fits = pools.isServiceAllocated({ spec, ...endpointOf(current) });
        const { endpoint, networkUpdates } = fits
          ? { ...endpointOf(current), networkUpdates: [] }
          : pools.allocateService({ id: current.id, spec });
        await allocator.write(
          tx => {
            updateService(tx, {
              id: current.id,
              meta: current.meta,
              spec,
              previousSpec: current.spec,
              ...(endpoint === undefined ? {} : { endpoint }),
            });
            writeNetworkUpdates(tx, networkUpdates);
          },
          // The pools hold the new allocation and the store the old one: rebuild from the store.
          () => (fits ? undefined : allocator.invalidate()),
        );
        return current.id;
      });
      return { service: wireService(read(id)) };
    }),
    RemoveService: unary(log, async (req: { serviceId: string }) => {
      await allocator.run(async pools => {
        const service = resolveService(store, req.serviceId);
        // Marked for removal now, as many as one bounded write carries; the leader's pipeline shuts down
        // the rest of a large service's tasks in later writes (they belong to no service any more).
        const live = store.view(tx =>
          findTasks(tx, {
            serviceId: service.id,
            where: t => compareTaskStates(t.desiredState, 'remove') < 0,
          }),
        );
        const batch = takeBatch(live, jsonBytes);
        await allocator.write(
          tx => {
            deleteService(tx, service.id);
            for (const { id } of batch.items) {
              const task = getTask(tx, id);
              if (task !== undefined) updateTask(tx, { ...task, desiredState: 'remove' });
            }
          },
          () => undefined,
          oversizeAllowance(batch),
        );
        try {
          pools.releaseService(service.id);
        } catch (err) {
          // The store is the truth: the pools are rebuilt from it before the next allocation.
          log.warn({ err, serviceId: service.id }, 'allocator: a removed service could not be released');
          allocator.invalidate();
        }
      });
      return {};
    }),
  };
}

/** `{ endpoint }` of a service, or `{}` if it has none (objects carry no undefined fields). */
function endpointOf(service: Service): { endpoint?: Endpoint } {
  return service.endpoint === undefined ? {} : { endpoint: service.endpoint };
}
