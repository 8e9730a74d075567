/**
 * The ResourceAllocator service (swarmkit's `manager/resourceapi`): a node asks for an address on an
 * attachable network for a standalone task it runs (`shoal run --network N --name NAME`), and gives it
 * back. The attachment is a task of no service, on the caller's node (from its certificate), allocated by
 * the leader's pools and written with it in one transaction; a network that is not attachable is refused
 * with Swarm's PermissionDenied text. The task's name follows docker's container names: checked as docker
 * checks them, generated when none is given, and refused with docker's Conflict while a task of that name
 * still runs on the same node (docker's names are per host). Both calls are leader-only (they allocate),
 * so followers forward them.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { randomNodeId } from '../../certs/index.ts';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { attachmentProblem, containerNameConflict, containerNameProblem } from '../allocator/index.ts';
import { callerOf } from '../caller/caller.ts';
import { writeNetworkUpdates, type LeaderAllocator } from '../leader/leader-allocator.ts';
import { generatedName } from '../controlapi/generated-name.ts';
import { resolveNetwork } from '../controlapi/network-server.ts';
import { unary } from '../rpc/status.ts';
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  PermissionError,
  UnauthenticatedError,
} from '../../lib/errors.ts';
import {
  compareTaskStates,
  createTask,
  deleteTask,
  findTasks,
  getTask,
  type MemoryStore,
  type Task,
  type TaskSpec,
} from '../store/index.ts';

export const resourceService = serviceOf(loadShoalPackage('resource.proto'), 'ResourceAllocator');

interface AttachNetworkRequest {
  networkId: string;
  addresses: string[];
  name: string;
  command: string[];
  env: string[];
}

/** A standalone task runs once, what its node asked for (`shoal run`), and is not restarted. */
const STANDALONE_SPEC: TaskSpec = {
  command: [],
  args: [],
  env: [],
  constraints: [],
  restart: { condition: 'none', delayMs: 0, maxAttempts: 0 },
  stopGracePeriodMs: 10_000,
};

type Call = Parameters<typeof callerOf>[0];

/** A standalone task that has not ended: its name is in use. */
function holdsName(t: Task, name: string): boolean {
  return (
    t.standalone?.name === name &&
    compareTaskStates(t.desiredState, 'running') <= 0 &&
    compareTaskStates(t.status.state, 'running') <= 0
  );
}

function callerNode(call: Call): string {
  const caller = callerOf(call);
  // The method table admits only certificate holders; this is the handler's own guard.
  if (caller === undefined) throw new UnauthenticatedError('a node certificate is required');
  return caller.nodeId;
}

/** The ResourceAllocator methods, keyed by method name. */
export function resourceHandlers(
  store: MemoryStore,
  allocator: LeaderAllocator,
  log: Logger,
): grpc.UntypedServiceImplementation {
  return {
    AttachNetwork: unary(log, async (req: AttachNetworkRequest, call) => {
      const nodeId = callerNode(call);
      const problem = req.name === '' ? undefined : containerNameProblem(req.name);
      if (problem !== undefined) throw new InvalidArgumentError(problem);
      return allocator.run(async pools => {
        const network = resolveNetwork(store, req.networkId);
        const refused = attachmentProblem(network, req.networkId);
        if (refused !== undefined) throw new PermissionError(refused);
        const id = randomNodeId();
        // In the allocator's turn, so two calls cannot both take a name.
        const holders = (name: string, node?: string): Task[] =>
          store.view(tx =>
            findTasks(tx, {
              ...(node === undefined ? {} : { nodeId: node }),
              where: t => holdsName(t, name),
            }),
          );
        // A generated name is kept unique in the whole cluster, which costs nothing.
        const name = req.name === '' ? generatedName(n => holders(n).length > 0, id) : req.name;
        const [holder] = holders(name, nodeId);
        if (holder !== undefined) {
          throw new ConflictError(containerNameConflict(name, holder.id));
        }
        const { networks, networkUpdates } = pools.allocateTask({
          id,
          networks: [{ networkId: network.id, addresses: req.addresses }],
        });
        await allocator.write(
          tx => {
            createTask(tx, {
              id,
              serviceId: '',
              slot: 0,
              nodeId,
              desiredState: 'running',
              // Placed by the node that asks: the scheduler has nothing to decide.
              status: { state: 'assigned', timestamp: Date.now(), message: 'attached by its node' },
              spec: { ...STANDALONE_SPEC, command: req.command, env: req.env },
              networks,
              standalone: { name },
            });
            writeNetworkUpdates(tx, networkUpdates);
          },
          () => {
            pools.releaseTask(id);
            // The subnet's serial cursor moved in the pools only: rebuild them from the store.
            allocator.invalidate();
          },
        );
        log.info({ attachmentId: id, networkId: network.id, nodeId }, 'network attachment created');
        return { attachmentId: id, networkId: network.id, addresses: networks[0]?.addresses ?? [] };
      });
    }),
    DetachNetwork: unary(log, async (req: { attachmentId: string }, call) => {
      const nodeId = callerNode(call);
      await allocator.run(async pools => {
        const task = store.view(tx => getTask(tx, req.attachmentId));
        if (task?.standalone === undefined) {
          throw new NotFoundError(`attachment ${req.attachmentId} not found`);
        }
        if (task.nodeId !== nodeId) {
          throw new PermissionError(
            `attachment ${task.id} belongs to node ${task.nodeId}, not to node ${nodeId}`,
          );
        }
        await allocator.write(
          tx => deleteTask(tx, task.id),
          () => undefined,
        );
        pools.releaseTask(task.id);
      });
      return {};
    }),
  };
}
