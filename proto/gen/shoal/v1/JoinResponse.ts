// Original file: proto/control.proto


export interface JoinResponse {
  'nodeId'?: (string);
  /**
   * manager | worker
   */
  'role'?: (string);
}

export interface JoinResponse__Output {
  'nodeId': (string);
  /**
   * manager | worker
   */
  'role': (string);
}
