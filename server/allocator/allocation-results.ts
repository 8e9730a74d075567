import type { Endpoint, NetworkAllocation, NetworkAttachment } from '../store/index.ts';

/** A network whose `allocation` changed (its serial cursor moved): write it back with the object that caused it. */
export interface NetworkAllocationUpdate {
  networkId: string;
  allocation: NetworkAllocation;
}

/** What `allocateService` gave: the service's new `endpoint`, and the networks to write back with it. */
export interface ServiceAllocation {
  endpoint: Endpoint;
  networkUpdates: NetworkAllocationUpdate[];
}

/** What `allocateTask` gave: the task's new `networks`, and the networks to write back with it. */
export interface TaskAllocation {
  networks: NetworkAttachment[];
  networkUpdates: NetworkAllocationUpdate[];
}
