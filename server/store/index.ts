/**
 * Shoal's store: the manager's replicated state, in memory (swarmkit's `manager/state/store`).
 *
 * Design: the store is the only replicated thing in the manager; everything else reconciles against it.
 * It holds one table per kind of object (nodes, clusters, configs, networks, services, tasks),
 * registered in one list (`STORE_TABLES`). Reads run in `view(tx => …)` against committed state. Writes run in
 * `update(tx => …, now)`: the callback is synchronous, sees committed state plus its own writes, and each
 * write is checked (exists, name, version) and recorded in a changelist of `StoreAction`s. The changelist
 * goes to a `Proposer` (the Raft driver; the store knows nothing of Raft) as one entry, and becomes visible
 * only when the driver applies the committed entry through `applyStoreActions` — on every replica, in log
 * order, the one place where state changes. Apply checks the actions again against the state of that
 * moment, so two writers that read the same version race fairly: the first entry in the log wins, the
 * second fails with `update out of sequence` on every replica alike, and nothing of it is applied. Every
 * written object's `meta.version.index` is its entry's Raft index. Each applied entry is published as
 * events to watchers (`watch`, or `viewAndWatch` for a consistent read followed by exactly the changes
 * after it); a watcher that falls too far behind is closed rather than buffered without bound.
 * `snapshot`/`restore` carry the whole state as bytes; a restore closes watchers, which must re-sync.
 * The folder is pure: no clock (times come in as `now`), no I/O, no timers.
 */
export { MemoryStore, type MemoryStoreOptions, type ViewAndWatch } from './memory-store.ts';
export type { ReadTx, Tx } from './transaction.ts';
export type {
  Proposer,
  ProposeOptions,
  ProposalResult,
  ApplyResult,
  StoreAction,
  StoreActionKind,
} from './store-action.ts';
export {
  DEFAULT_WATCH_QUEUE_LIMIT,
  type StoreEvent,
  type Watcher,
  type WatchFilter,
  type WatchOptions,
} from './watch-queue.ts';
export { defineTable, type FindFilter, type Table } from './table.ts';
export { STORE_TABLES } from './tables.ts';
export {
  nodeTable,
  createNode,
  updateNode,
  deleteNode,
  getNode,
  findNodes,
  isNodeEvent,
  type NodeFilter,
} from './nodes.ts';
export {
  clusterTable,
  DEFAULT_CLUSTER_NAME,
  createCluster,
  updateCluster,
  deleteCluster,
  getCluster,
  findClusters,
  isClusterEvent,
} from './clusters.ts';
export {
  configTable,
  createConfig,
  updateConfig,
  deleteConfig,
  getConfig,
  findConfigs,
  isConfigEvent,
} from './configs.ts';
export {
  networkTable,
  createNetwork,
  updateNetwork,
  deleteNetwork,
  getNetwork,
  findNetworks,
  isNetworkEvent,
} from './networks.ts';
export {
  serviceTable,
  DEFAULT_UPDATE_CONFIG,
  DEFAULT_RESTART_POLICY,
  DEFAULT_STOP_GRACE_PERIOD_MS,
  createService,
  updateService,
  deleteService,
  getService,
  findServices,
  isServiceEvent,
  type ServiceFilter,
} from './services.ts';
export {
  taskTable,
  TASK_STATES,
  compareTaskStates,
  recordedStatus,
  createTask,
  updateTask,
  deleteTask,
  getTask,
  findTasks,
  isTaskEvent,
  taskOccupiesNode,
  taskHostPorts,
  taskOccupancy,
  type TaskFilter,
  type TaskOccupancy,
} from './tasks.ts';
export { encodeStoreActions, decodeStoreActions } from './encoding.ts';
export type * from './objects.ts';
export * from './errors.ts';
