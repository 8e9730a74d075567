// Original file: proto/control.proto


export interface GetNodeRequest {
  /**
   * An ID, a unique ID prefix, or a hostname.
   */
  'nodeId'?: (string);
}

export interface GetNodeRequest__Output {
  /**
   * An ID, a unique ID prefix, or a hostname.
   */
  'nodeId': (string);
}
