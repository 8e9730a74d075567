// Original file: proto/control.proto


export interface InitResponse {
  'nodeId'?: (string);
  'workerToken'?: (string);
  'managerToken'?: (string);
  /**
   * The address the join commands name (host:port).
   */
  'addr'?: (string);
}

export interface InitResponse__Output {
  'nodeId': (string);
  'workerToken': (string);
  'managerToken': (string);
  /**
   * The address the join commands name (host:port).
   */
  'addr': (string);
}
