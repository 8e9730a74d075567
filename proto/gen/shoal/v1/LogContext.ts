// Original file: proto/logs.proto


export interface LogContext {
  'serviceId'?: (string);
  'nodeId'?: (string);
  'taskId'?: (string);
  /**
   * Filled in by the broker from the store: `web.1.<task id>`, and the node's hostname.
   */
  'taskName'?: (string);
  'nodeHostname'?: (string);
}

export interface LogContext__Output {
  'serviceId': (string);
  'nodeId': (string);
  'taskId': (string);
  /**
   * Filled in by the broker from the store: `web.1.<task id>`, and the node's hostname.
   */
  'taskName': (string);
  'nodeHostname': (string);
}
