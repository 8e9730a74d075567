// Original file: proto/control.proto


/**
 * One exposed port (docker service create --publish).
 */
export interface PortConfig {
  'name'?: (string);
  /**
   * tcp | udp; empty = tcp.
   */
  'protocol'?: (string);
  /**
   * 1..65535.
   */
  'targetPort'?: (number);
  /**
   * 0 = allocated (ingress mode: the next free of 30000-32767).
   */
  'publishedPort'?: (number);
  /**
   * ingress | host; empty = ingress.
   */
  'publishMode'?: (string);
}

/**
 * One exposed port (docker service create --publish).
 */
export interface PortConfig__Output {
  'name': (string);
  /**
   * tcp | udp; empty = tcp.
   */
  'protocol': (string);
  /**
   * 1..65535.
   */
  'targetPort': (number);
  /**
   * 0 = allocated (ingress mode: the next free of 30000-32767).
   */
  'publishedPort': (number);
  /**
   * ingress | host; empty = ingress.
   */
  'publishMode': (string);
}
