// Original file: proto/dispatcher.proto


export interface SessionRequest {
  /**
   * What the node says about itself (swarmkit's NodeDescription, trimmed).
   */
  'hostname'?: (string);
}

export interface SessionRequest__Output {
  /**
   * What the node says about itself (swarmkit's NodeDescription, trimmed).
   */
  'hostname': (string);
}
