// Original file: proto/control.proto


export interface RemoveNetworkRequest {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'networkId'?: (string);
}

export interface RemoveNetworkRequest__Output {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'networkId': (string);
}
