/**
 * Shoal's Raft consensus core, in the spirit of etcd's raft.
 *
 * Design: the core is a pure, deterministic state machine. Time arrives as `tick()`, network input as
 * `step(message)`, client input as `propose()` / `readIndex()`; randomness comes from an injected Rng.
 * It never touches a socket, a timer or a disk (a lint rule enforces that). Its output is a `Ready`:
 * what to persist, what to send, what to apply. The driver persists before it sends, applies, then
 * calls `advance()`. Membership changes take effect when applied, one at a time.
 */
export { RawNode, type Ready, type Status } from './raw-node.ts';
export { scheduleReady, type ReadySchedule, type NodeView } from './ready-schedule.ts';
export type { RaftConfig } from './raft.ts';
export { MemoryStorage, type Storage } from './storage.ts';
export { SeededRng, type Rng } from './rng.ts';
export { encodeConfChange, decodeConfChange } from './conf-change.ts';
export { checkMemberOfLog, membersInLog, NotAMemberOfLogError } from './log-members.ts';
export { committedVoters, forceNewCluster, NotAVoterError, type ForcedLog } from './force-new-cluster.ts';
export * from './errors.ts';
export * from './types.ts';
