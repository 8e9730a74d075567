/**
 * A new Raft ID, random in [1, 2^48]: the IDs of removed members are then (almost surely) never reused.
 * 0 means "none" to Raft.
 */
export function randomRaftId(): number {
  return 1 + Math.floor(Math.random() * 2 ** 48);
}
