/**
 * What the node's data plane offers the rest of the agent: a network sandbox per local task (its own
 * network namespace, wired to its overlays and to the node's gateway bridge). The process executor runs
 * tasks inside them; the embedded DNS serves 127.0.0.11 inside them. The data plane (data-plane.ts)
 * implements it; tests may fake it.
 */
import type { WireTask } from '../../proto/control-types.ts';
import type { NetworkView } from '../../proto/dispatcher-types.ts';

/** One leg of a task on an overlay network. */
export interface SandboxLeg {
  networkId: string;
  /** The interface inside the task's namespace: `eth0`, then `eth2`, `eth3`… (`eth1` is the gateway leg). */
  ifname: string;
  /** CIDR, e.g. `10.0.1.3/24`. */
  addr: string;
}

/** A local task's network sandbox, as it exists on the node now. */
export interface TaskSandbox {
  taskId: string;
  /** The task's network namespace (a name under /run/netns). */
  netns: string;
  legs: SandboxLeg[];
  /** `eth1` on the node's gateway bridge (CIDR in the cluster's gateway range), which holds the default route. */
  gatewayAddr: string;
}

export type SandboxEvent =
  | { kind: 'added'; sandbox: TaskSandbox }
  /** Sent before the namespace is deleted: let go of anything held in it (sockets keep a namespace alive). */
  | { kind: 'removed'; taskId: string; netns: string };

/** The outcome of one `update`: what exists now, and the tasks whose sandbox could not be built (yet). */
export interface SandboxUpdate {
  ready: TaskSandbox[];
  /** Task id → why its sandbox is not there; the data plane retries it on its own, with backoff. */
  failed: Map<string, string>;
}

export interface TaskNetworking {
  /**
   * The desired state, whole: the cluster's view for this node and the local tasks that must have a
   * sandbox now (every other sandbox under this data plane's prefix goes). Changes are planned against
   * what exists and applied one at a time; a call made while one is applied is merged into the next.
   * Resolves once the change that includes this call is applied (or failed, per task).
   */
  update(view: NetworkView, tasks: readonly WireTask[]): Promise<SandboxUpdate>;
  /** The sandbox of a local task, if it exists now. */
  sandbox(taskId: string): TaskSandbox | undefined;
  /** Every sandbox added or removed from now on (also those a retry builds later). Returns the unsubscribe. */
  onSandbox(listener: (event: SandboxEvent) => void): () => void;
}
