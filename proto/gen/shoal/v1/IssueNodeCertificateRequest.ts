// Original file: proto/ca.proto


export interface IssueNodeCertificateRequest {
  'csr'?: (string);
  /**
   * A join token; empty to renew the caller's own certificate (mTLS), with the role its node now has.
   */
  'token'?: (string);
  'hostname'?: (string);
  /**
   * Where a joining manager listens for Raft (host:port); empty for workers.
   */
  'addr'?: (string);
}

export interface IssueNodeCertificateRequest__Output {
  'csr': (string);
  /**
   * A join token; empty to renew the caller's own certificate (mTLS), with the role its node now has.
   */
  'token': (string);
  'hostname': (string);
  /**
   * Where a joining manager listens for Raft (host:port); empty for workers.
   */
  'addr': (string);
}
