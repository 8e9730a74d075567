// Original file: proto/ca.proto


export interface RaftJoinRequest {
  /**
   * Where the joining manager listens for Raft (host:port).
   */
  'addr'?: (string);
  /**
   * A member asking only for the key-encryption key (its folder predates sealed keys): the caller is
   * never added, whatever its membership.
   */
  'kekOnly'?: (boolean);
}

export interface RaftJoinRequest__Output {
  /**
   * Where the joining manager listens for Raft (host:port).
   */
  'addr': (string);
  /**
   * A member asking only for the key-encryption key (its folder predates sealed keys): the caller is
   * never added, whatever its membership.
   */
  'kekOnly': (boolean);
}
