/** What the managers answer this node (NodeCA, RaftMembership), as it reads the replies. */

export interface StatusResponse {
  status: string;
  certificate: string;
  role: string;
  managers: string[];
  /** Empty from a manager that predates it. */
  desiredRole: string;
}

export interface IssueResponse {
  nodeId: string;
  certificate: string;
  role: string;
  clusterId: string;
  raftId: number;
  members: { raftId: number; addr: string }[];
  /** Managers joining with the manager token: the key-encryption key of the root CA key. */
  kek: Buffer;
}

export interface RaftJoinResponse {
  raftId: number;
  members: { raftId: number; addr: string }[];
  kek: Buffer;
}
