/**
 * This node's agent, while the node is in a swarm (managers run one too, as in Swarm): its session
 * with the managers, and what runs its tasks (the test executor, an executor of the caller's, or the
 * node runtime with real processes, the data plane and the embedded DNS). Start-ups and stops run one
 * at a time.
 */
import type { LocalTasksHandlers } from '../proto/gen/shoal/v1/LocalTasks.ts';
import { join } from 'node:path';
import type { Executor } from '../agent/exec/executor.ts';
import { localTaskHandlers, type RunRequest } from '../agent/exec/local-task-server.ts';
import { TestExecutor } from '../agent/exec/test-executor.ts';
import { cannotRunTasks, NodeRuntime } from '../agent/node-runtime.ts';
import { Agent } from '../agent/session/agent.ts';
import { nodeCredentials } from '../server/ca/manager-client.ts';
import type { DaemonOptions } from './daemon-options.ts';
import { NodeStateError, NOT_A_MANAGER } from './errors.ts';
import type { ManagerLink } from './manager-link.ts';
import type { NodeState } from './node-state.ts';

interface RunningAgent {
  session: Agent;
  executor: Executor;
  owned: boolean;
  /** With real tasks: the runtime, and the LocalTasks handlers over its executor. */
  runtime?: { node: NodeRuntime; localTasks: LocalTasksHandlers };
}

export class AgentLifecycle {
  private agent: RunningAgent | undefined;
  private queue: Promise<void> = Promise.resolve();

  /** `stopped`: the daemon is stopping, so no agent starts any more. */
  constructor(
    private readonly o: DaemonOptions,
    private readonly d: { state: NodeState; link: ManagerLink; stopped: () => boolean },
  ) {}

  /** The agent's dispatcher session, while it runs. */
  get session(): Agent | undefined {
    return this.agent?.session;
  }

  /** The LocalTasks handlers (`shoal run`, `shoal exec`), while the agent runs real tasks. */
  get localTasks(): LocalTasksHandlers | undefined {
    return this.agent?.runtime?.localTasks;
  }

  /** Starts this node's agent: a session with the managers, running its tasks on the executor. */
  start(): Promise<void> {
    this.queue = this.queue
      .then(() => this.startNow())
      .catch((err: unknown) => {
        this.o.log.error({ err }, 'agent: could not start');
      });
    return this.queue;
  }

  private async startNow(): Promise<void> {
    const { o } = this;
    const state = this.d.state.saved;
    if (this.agent !== undefined || state === undefined || this.d.stopped()) return;
    const given = o.executor;
    let executor: Executor;
    let runtime: NodeRuntime | undefined;
    if (given === 'process') {
      const why = cannotRunTasks();
      if (why !== undefined) {
        // The manager runs on; this node takes no tasks (no session, so it shows as down).
        o.log.warn(`agent: ${why}; this node runs no tasks`);
        return;
      }
      const r = o.runtime ?? {};
      runtime = await NodeRuntime.start({
        nodeId: state.identity.nodeId,
        stateDir: join(o.dataDir, 'agent'),
        log: o.log,
        ...(r.netnsPrefix === undefined ? {} : { netnsPrefix: r.netnsPrefix }),
        ...(r.nodeNetns === undefined ? {} : { nodeNetns: r.nodeNetns }),
        // What npm start removes on stop includes a namespace its killed predecessor left.
        ...(r.destroyOnStop === true ? { ownsNodeNetns: true } : {}),
        ...(r.dns === undefined ? {} : { dns: r.dns }),
      });
      const rt = runtime;
      executor = rt.executor;
      rt.executor.onStatus((taskId, status) => this.detachEnded(rt, taskId, status.state));
    } else {
      executor = given === undefined || given === 'test' ? new TestExecutor() : given;
    }
    const session = new Agent({
      hostname: o.hostname,
      credentials: () => nodeCredentials(this.d.state.requireCerts()),
      managers: () => this.d.link.addrs(),
      executor,
      ...(runtime !== undefined
        ? { logs: runtime.executor }
        : o.taskLogs === undefined
          ? {}
          : { logs: o.taskLogs }),
      log: o.log,
    });
    session.start();
    const localTasks = (node: NodeRuntime): LocalTasksHandlers =>
      localTaskHandlers({
        executor: node.executor,
        run: req => this.runStandalone(req),
        log: o.log,
      });
    this.agent = {
      session,
      executor,
      owned: executor !== given,
      ...(runtime === undefined ? {} : { runtime: { node: runtime, localTasks: localTasks(runtime) } }),
    };
  }

  stop(): Promise<void> {
    this.queue = this.queue.then(async () => {
      const a = this.agent;
      this.agent = undefined;
      await a?.session.stop();
      if (a?.runtime !== undefined) {
        if (this.o.runtime?.destroyOnStop === true) await a.runtime.node.destroy();
        else await a.runtime.node.close();
      } else if (a?.owned === true) await a.executor.close();
    });
    return this.queue;
  }

  /** A standalone task (`shoal run`) gives its address back when it ends, as docker's does. */
  private detachEnded(runtime: NodeRuntime, taskId: string, state: string): void {
    if (!['complete', 'failed', 'shutdown', 'rejected'].includes(state)) return;
    if (!runtime.executor.isStandalone(taskId)) return;
    this.d.link
      .callAny('ResourceAllocator', 'DetachNetwork', { attachmentId: taskId })
      .catch((err: unknown) => this.o.log.warn({ err, taskId }, 'agent: could not detach a standalone task'));
  }

  /** `shoal run`: an attachment task on `network` that carries the command; this node's agent runs it. */
  private async runStandalone(req: RunRequest): Promise<string> {
    if (this.d.state.saved === undefined)
      throw new NodeStateError(NOT_A_MANAGER.replace('a swarm manager', 'in a swarm'));
    const res = await this.d.link.callAny<{ attachmentId: string }>('ResourceAllocator', 'AttachNetwork', {
      networkId: req.network,
      addresses: [],
      name: req.name,
      command: req.argv,
      env: req.env,
    });
    return res.attachmentId;
  }
}
