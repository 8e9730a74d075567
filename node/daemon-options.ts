/** What shoald (bin/shoald.ts), `npm start` and the tests start a node with. */
import type { Logger } from 'pino';
import type { Executor, TaskLogSource } from '../agent/exec/executor.ts';
import type { DispatcherOptions } from '../server/dispatcher/dispatcher-options.ts';
import type { ManagerPortOptions } from '../server/manager/manager-port.ts';

export interface DaemonOptions {
  dataDir: string;
  socketPath: string;
  hostname: string;
  log: Logger;
  tickMs?: number;
  snapshotEvery?: number;
  /**
   * How often this node asks the managers about itself (certificate due, role changed, where they
   * are), in ms; a leading manager also reconciles desired roles this often, at most every second.
   * Swarmkit learns role changes from the dispatcher's session stream instead; moving to it is left to do.
   * @default 2000
   */
  pollMs?: number;
  /** The clock certificate renewals are scheduled by (tests move it forward). @default Date.now */
  now?: () => number;
  /** This node's manager's dispatcher (heartbeat period, session rate limit, batching). */
  dispatcher?: DispatcherOptions;
  /** This node's manager port: how long a connection may take to start speaking, how many may at once. */
  managerPort?: ManagerPortOptions;
  /**
   * What runs the tasks assigned to this node: 'process' = real processes in real network namespaces
   * (the data plane, the embedded DNS; needs root), 'test' = the test executor (imaginary tasks walking
   * the real lifecycle), or an executor of the caller's (tests inspect it; the daemon does not close it).
   * @default 'test'
   */
  executor?: 'test' | 'process' | Executor;
  /** This node's manager stopped because its storage failed: the process should stop and exit non-zero. */
  onFatal?: (err: Error) => void;
  /** With an executor given as an object: where its tasks' output is read (`service logs`). */
  taskLogs?: TaskLogSource;
  /** For the process executor: where the node's data plane lives and what its namespaces are named. */
  runtime?: {
    /** @default 'shoal' */
    netnsPrefix?: string;
    /** The node's network namespace by name (created if missing); undefined = this process's own. */
    nodeNetns?: string;
    /** Upstream resolvers for names the cluster does not own. @default the node's resolv.conf */
    dns?: string[];
    /** On stop, stop the tasks and remove everything the data plane made (npm start). @default false: tasks run on, a restarted daemon adopts them */
    destroyOnStop?: boolean;
  };
}

/** How often this node asks the managers about itself (DaemonOptions.pollMs). */
export function pollMsOf(o: DaemonOptions): number {
  return o.pollMs ?? 2000;
}
