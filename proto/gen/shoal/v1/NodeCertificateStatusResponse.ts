// Original file: proto/ca.proto


export interface NodeCertificateStatusResponse {
  /**
   * issued | pending | renew | failed
   */
  'status'?: (string);
  /**
   * PEM; empty until the node's first certificate is recorded.
   */
  'certificate'?: (string);
  /**
   * manager | worker: the role the node's certificate carries, or will once renewed.
   */
  'role'?: (string);
  /**
   * The Raft members' addresses (host:port): where a node can reach the managers now.
   */
  'managers'?: (string)[];
  /**
   * manager | worker: the role asked of the node (node promote/demote); `role` follows it.
   */
  'desiredRole'?: (string);
}

export interface NodeCertificateStatusResponse__Output {
  /**
   * issued | pending | renew | failed
   */
  'status': (string);
  /**
   * PEM; empty until the node's first certificate is recorded.
   */
  'certificate': (string);
  /**
   * manager | worker: the role the node's certificate carries, or will once renewed.
   */
  'role': (string);
  /**
   * The Raft members' addresses (host:port): where a node can reach the managers now.
   */
  'managers': (string)[];
  /**
   * manager | worker: the role asked of the node (node promote/demote); `role` follows it.
   */
  'desiredRole': (string);
}
