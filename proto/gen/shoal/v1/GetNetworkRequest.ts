// Original file: proto/control.proto


export interface GetNetworkRequest {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'networkId'?: (string);
}

export interface GetNetworkRequest__Output {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'networkId': (string);
}
