// Original file: proto/dispatcher.proto


/**
 * One task's address on one of the view's networks.
 */
export interface ViewEndpoint {
  'taskId'?: (string);
  /**
   * Empty for a standalone attachment.
   */
  'serviceId'?: (string);
  'slot'?: (number);
  /**
   * A standalone attachment's name; empty for a service's task.
   */
  'name'?: (string);
  'nodeId'?: (string);
  'networkId'?: (string);
  /**
   * CIDR, e.g. 10.0.1.3/24.
   */
  'addr'?: (string);
  /**
   * Running, and desired running: a load-balancing backend and a DNS answer.
   */
  'running'?: (boolean);
}

/**
 * One task's address on one of the view's networks.
 */
export interface ViewEndpoint__Output {
  'taskId': (string);
  /**
   * Empty for a standalone attachment.
   */
  'serviceId': (string);
  'slot': (number);
  /**
   * A standalone attachment's name; empty for a service's task.
   */
  'name': (string);
  'nodeId': (string);
  'networkId': (string);
  /**
   * CIDR, e.g. 10.0.1.3/24.
   */
  'addr': (string);
  /**
   * Running, and desired running: a load-balancing backend and a DNS answer.
   */
  'running': (boolean);
}
