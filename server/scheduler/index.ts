/**
 * Shoal's scheduler: which node each new task runs on (swarmkit's `manager/scheduler`, trimmed).
 *
 * Design: `schedule` is one pure pass. The caller (a leader-only loop watching the store) hands it every
 * node, what already occupies them (the tasks, or the store's counts of them: taskOccupancy, read per node
 * and service as needed, so a pass costs the batch times the nodes) and the batch of pending tasks; it answers task id → node id, or the
 * reason a task stays pending, which the caller writes back through the store (node id and ASSIGNED, or
 * the reason in `status.err`). A node must pass the filters in swarmkit's order (READY and ACTIVE,
 * placement constraints, host-mode ports free); of those left, the one with the fewest tasks of the
 * service, then the fewest tasks, then the lowest id wins (no randomness: ties break on the id). Each
 * placement counts for the next task of the batch. Not done: resources, platforms, spread preferences,
 * max replicas per node and the penalty for nodes where the service recently failed. The folder is pure:
 * no clock, no randomness, no I/O.
 */
export {
  constraintMatches,
  nodeMatchesConstraints,
  parseConstraint,
  parseConstraints,
  type Constraint,
  type ConstraintField,
  type ConstraintNode,
} from './constraint.ts';
export {
  explainFailures,
  explainFilter,
  FILTER_ORDER,
  hostPortKeys,
  isNodeAvailable,
  noSuitableNode,
  type FilterName,
} from './filters.ts';
export {
  schedule,
  type ScheduleBatch,
  type ScheduleInput,
  type ScheduleResult,
  type SchedulerNode,
  type SchedulerTask,
} from './scheduler.ts';
