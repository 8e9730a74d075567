// Original file: proto/control.proto


/**
 * Deletes the service and frees its VIPs and published ports; its tasks get desired state remove.
 */
export interface RemoveServiceRequest {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'serviceId'?: (string);
}

/**
 * Deletes the service and frees its VIPs and published ports; its tasks get desired state remove.
 */
export interface RemoveServiceRequest__Output {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'serviceId': (string);
}
