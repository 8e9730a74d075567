/**
 * Which calls a follower forwards to the leader (server/rpc/forward.ts); the authorization interceptor
 * (server/ca/authorize.ts) lets a manager forward only these.
 */

/**
 * Methods whose answer depends on the leader's own view: a follower forwards them to the leader
 * (server/rpc/forward.ts). Plain writes (CreateConfig, …) are not here: a follower proposes them and
 * Raft carries the proposal to the leader, as etcd does, which is cheaper than a second gRPC hop over TLS.
 */
export const LEADER_ONLY: ReadonlySet<string> = new Set([
  // Manager status (reachable or not) is only accurate on the leader, which hears every member.
  '/shoal.v1.Control/ListNodes',
  '/shoal.v1.Control/GetNode',
  // Their quorum checks need the leader's view of reachability.
  '/shoal.v1.Control/UpdateNode',
  '/shoal.v1.Control/RemoveNode',
  // Allocation: only the leader's pools hand out subnets, VNIs and addresses (server/leader/leader-allocator.ts).
  '/shoal.v1.Control/CreateNetwork',
  '/shoal.v1.Control/RemoveNetwork',
  '/shoal.v1.Control/CreateService',
  '/shoal.v1.Control/UpdateService',
  '/shoal.v1.Control/RemoveService',
  '/shoal.v1.ResourceAllocator/AttachNetwork',
  '/shoal.v1.ResourceAllocator/DetachNetwork',
  // The log broker runs beside the leader's dispatcher, which the agents' sessions are with.
  '/shoal.v1.Logs/SubscribeLogs',
  // Membership changes.
  '/shoal.v1.NodeCA/IssueNodeCertificate',
  '/shoal.v1.RaftMembership/Join',
]);
