// Original file: proto/control.proto


/**
 * What the operator asks of an overlay network (docker network create).
 */
export interface NetworkSpec {
  'name'?: (string);
  'labels'?: ({[key: string]: string});
  /**
   * overlay (the only driver the cluster manages); empty = overlay.
   */
  'driver'?: (string);
  /**
   * e.g. com.docker.network.driver.overlay.vxlanid_list to pin the VNI.
   */
  'driverOptions'?: ({[key: string]: string});
  /**
   * IPv4 CIDR; empty = the next free subnet of the default address pools.
   */
  'subnet'?: (string);
  /**
   * An address inside subnet; empty = the subnet's first host address.
   */
  'gateway'?: (string);
  'attachable'?: (boolean);
  'internal'?: (boolean);
  'ingress'?: (boolean);
}

/**
 * What the operator asks of an overlay network (docker network create).
 */
export interface NetworkSpec__Output {
  'name': (string);
  'labels': ({[key: string]: string});
  /**
   * overlay (the only driver the cluster manages); empty = overlay.
   */
  'driver': (string);
  /**
   * e.g. com.docker.network.driver.overlay.vxlanid_list to pin the VNI.
   */
  'driverOptions': ({[key: string]: string});
  /**
   * IPv4 CIDR; empty = the next free subnet of the default address pools.
   */
  'subnet': (string);
  /**
   * An address inside subnet; empty = the subnet's first host address.
   */
  'gateway': (string);
  'attachable': (boolean);
  'internal': (boolean);
  'ingress': (boolean);
}
