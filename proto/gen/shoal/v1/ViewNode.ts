// Original file: proto/dispatcher.proto


/**
 * A node that holds endpoints of the view's networks.
 */
export interface ViewNode {
  'id'?: (string);
  /**
   * Its underlay address (where its VXLAN traffic goes).
   */
  'addr'?: (string);
  /**
   * Its leg on the ingress network (CIDR), for the routing mesh; empty until allocated.
   */
  'ingressAddr'?: (string);
}

/**
 * A node that holds endpoints of the view's networks.
 */
export interface ViewNode__Output {
  'id': (string);
  /**
   * Its underlay address (where its VXLAN traffic goes).
   */
  'addr': (string);
  /**
   * Its leg on the ingress network (CIDR), for the routing mesh; empty until allocated.
   */
  'ingressAddr': (string);
}
