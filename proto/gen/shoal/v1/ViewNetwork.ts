// Original file: proto/dispatcher.proto


/**
 * One network the node takes part in.
 */
export interface ViewNetwork {
  'id'?: (string);
  'name'?: (string);
  'vni'?: (number);
  /**
   * CIDR, e.g. 10.0.1.0/24.
   */
  'subnet'?: (string);
  /**
   * The gateway address, without prefix.
   */
  'gateway'?: (string);
  'attachable'?: (boolean);
  'ingress'?: (boolean);
  /**
   * network create --internal: its tasks get no route out, and the embedded DNS forwards nothing for them.
   */
  'internal'?: (boolean);
  /**
   * The MTU of its bridge, VXLAN device and task interfaces (com.docker.network.driver.mtu, else 1450).
   */
  'mtu'?: (number);
}

/**
 * One network the node takes part in.
 */
export interface ViewNetwork__Output {
  'id': (string);
  'name': (string);
  'vni': (number);
  /**
   * CIDR, e.g. 10.0.1.0/24.
   */
  'subnet': (string);
  /**
   * The gateway address, without prefix.
   */
  'gateway': (string);
  'attachable': (boolean);
  'ingress': (boolean);
  /**
   * network create --internal: its tasks get no route out, and the embedded DNS forwards nothing for them.
   */
  'internal': (boolean);
  /**
   * The MTU of its bridge, VXLAN device and task interfaces (com.docker.network.driver.mtu, else 1450).
   */
  'mtu': (number);
}
