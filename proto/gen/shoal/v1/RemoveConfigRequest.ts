// Original file: proto/control.proto


export interface RemoveConfigRequest {
  /**
   * An ID, a unique ID prefix, or a name.
   */
  'configId'?: (string);
}

export interface RemoveConfigRequest__Output {
  /**
   * An ID, a unique ID prefix, or a name.
   */
  'configId': (string);
}
