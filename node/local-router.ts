/**
 * The local unix socket (its file mode is the access control, as with dockerd's) and where its calls
 * go: the Swarm service to this node's membership; the Control API and service logs to the manager
 * this node runs now, whichever it is (a worker answers its own network list); this node's own tasks
 * (`shoal run`, `shoal exec`) to its agent, when it runs them for real. What is refused is thrown as
 * a domain error and mapped to a status once (`proto/rpc-status.ts`).
 */
import type { LogsHandlers } from '../proto/gen/shoal/v1/Logs.ts';
import type { SwarmHandlers } from '../proto/gen/shoal/v1/Swarm.ts';
import * as grpc from '@grpc/grpc-js';
import { chmodSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { localTasksService } from '../agent/exec/local-task-server.ts';
import { loadShoalPackage, serviceOf } from '../proto/load.ts';
import { toGrpcStatus } from '../proto/rpc-status.ts';
import { guardInterceptor } from '../server/ca/authorize.ts';
import { controlService } from '../server/controlapi/control-server.ts';
import { MAX_REQUEST_BYTES } from '../server/limits/limits.ts';
import { logsService } from '../server/logbroker/log-broker.ts';
import type { Manager } from '../server/manager/manager.ts';
import { unary } from '../server/rpc/status.ts';
import { workerNetworkHandlers } from './worker-network-list.ts';
import type { AgentLifecycle } from './agent-lifecycle.ts';
import { NodeStateError, NotAManagerError } from './errors.ts';
import type { InitRequest, JoinRequest, SwarmMembership } from './swarm-membership.ts';

const controlPkg = loadShoalPackage('control.proto');

export class LocalRouter {
  /**
   * Requests as large as the manager port takes from a manager certificate (the CLI's 1.7 MB argument
   * is refused with the limit named, not grpc-js' 'larger than max').
   */
  private readonly server = new grpc.Server({
    interceptors: [guardInterceptor({ fallback: MAX_REQUEST_BYTES })],
  });

  /** `serial`: runs Swarm calls one at a time, in order with the node loop's checks. */
  constructor(
    private readonly d: {
      socketPath: string;
      log: Logger;
      swarm: SwarmMembership;
      serial: <T>(fn: () => Promise<T>) => Promise<T>;
      manager: () => Manager | undefined;
      inSwarm: () => boolean;
      agent: AgentLifecycle;
    },
  ) {}

  /** Serves the socket (a file left by an earlier run is replaced), open to this user only. */
  async listen(): Promise<void> {
    const { socketPath, log, swarm, serial } = this.d;
    this.server.addService(serviceOf(controlPkg, 'Swarm'), {
      Init: unary(log, (req: InitRequest) => serial(() => swarm.init(req))),
      Join: unary(log, (req: JoinRequest) => serial(() => swarm.join(req))),
      Leave: unary(log, (req: { force: boolean }) => serial(() => swarm.leave(req.force))),
      Info: unary(log, () => Promise.resolve(swarm.info())),
    } satisfies SwarmHandlers);
    this.server.addService(controlService, this.controlRoutes());
    // Service logs come from every node through the leader's broker: a manager's API, as in docker.
    this.server.addService(logsService, {
      SubscribeLogs: call => {
        const m = this.d.manager();
        if (m === undefined) {
          call.emit('error', toGrpcStatus(new NotAManagerError(this.d.inSwarm()), log));
          return;
        }
        m.localLogs.SubscribeLogs(call);
      },
    } satisfies LogsHandlers);
    this.server.addService(localTasksService, this.localTaskRoutes());
    rmSync(socketPath, { force: true });
    await new Promise<void>((resolve, reject) =>
      this.server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), err =>
        err === null ? resolve() : reject(err),
      ),
    );
    chmodSync(socketPath, 0o600);
  }

  /** Control calls go to this node's manager, whichever one is running now; a worker lists its networks. */
  private controlRoutes(): grpc.UntypedServiceImplementation {
    const route: grpc.UntypedServiceImplementation = {};
    const onWorker = workerNetworkHandlers(() => this.d.agent.session?.networkView(), this.d.log) as Record<
      string,
      grpc.handleUnaryCall<unknown, unknown> | undefined
    >;
    for (const method of Object.keys(controlService)) {
      route[method] = ((call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const m = this.d.manager();
        const inSwarm = this.d.inSwarm();
        const own = inSwarm ? onWorker[method] : undefined;
        if (m === undefined && own !== undefined) {
          own(call, cb);
          return;
        }
        if (m === undefined) {
          cb(toGrpcStatus(new NotAManagerError(inSwarm), this.d.log));
          return;
        }
        // Leader-only calls made on a follower go to the leader, as this manager (server/rpc/forward.ts).
        const h = m.localControl[method] as grpc.handleUnaryCall<unknown, unknown>;
        h(call, cb);
      }) as grpc.UntypedHandleCall;
    }
    return route;
  }

  /** This node's own tasks (`shoal run`, `shoal exec`), when it runs them for real. */
  private localTaskRoutes(): grpc.UntypedServiceImplementation {
    const tasks: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(localTasksService)) {
      tasks[method] = ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        const handlers = this.d.agent.localTasks;
        if (handlers === undefined) {
          const refusal = new NodeStateError(
            'this node runs no tasks of its own (its agent is not running real tasks)',
          );
          call.emit('error', toGrpcStatus(refusal, this.d.log));
          return;
        }
        (handlers[method] as grpc.handleServerStreamingCall<unknown, unknown>)(call);
      }) as grpc.UntypedHandleCall;
    }
    return tasks;
  }

  /** Ends every call at once and stops serving (the socket file stays until removeSocket). */
  close(): void {
    this.server.forceShutdown();
  }

  removeSocket(): void {
    rmSync(this.d.socketPath, { force: true });
  }
}
