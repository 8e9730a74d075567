// Original file: proto/dispatcher.proto


/**
 * What names one endpoint of a view.
 */
export interface ViewEndpointKey {
  'networkId'?: (string);
  'taskId'?: (string);
}

/**
 * What names one endpoint of a view.
 */
export interface ViewEndpointKey__Output {
  'networkId': (string);
  'taskId': (string);
}
