// Original file: proto/control.proto


export interface InfoResponse {
  /**
   * inactive | active
   */
  'state'?: (string);
  'nodeId'?: (string);
  'isManager'?: (boolean);
  'clusterId'?: (string);
  'addr'?: (string);
}

export interface InfoResponse__Output {
  /**
   * inactive | active
   */
  'state': (string);
  'nodeId': (string);
  'isManager': (boolean);
  'clusterId': (string);
  'addr': (string);
}
