// Original file: proto/control.proto


export interface GetServiceRequest {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'serviceId'?: (string);
}

export interface GetServiceRequest__Output {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'serviceId': (string);
}
