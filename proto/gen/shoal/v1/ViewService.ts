// Original file: proto/dispatcher.proto

import type { VirtualIP as _shoal_v1_VirtualIP, VirtualIP__Output as _shoal_v1_VirtualIP__Output } from '../../shoal/v1/VirtualIP.ts';
import type { PortConfig as _shoal_v1_PortConfig, PortConfig__Output as _shoal_v1_PortConfig__Output } from '../../shoal/v1/PortConfig.ts';

/**
 * A service with a VIP or tasks on the view's networks, or with ports published through the routing mesh.
 */
export interface ViewService {
  'id'?: (string);
  'name'?: (string);
  /**
   * vip | dnsrr
   */
  'endpointMode'?: (string);
  'virtualIps'?: (_shoal_v1_VirtualIP)[];
  'ports'?: (_shoal_v1_PortConfig)[];
}

/**
 * A service with a VIP or tasks on the view's networks, or with ports published through the routing mesh.
 */
export interface ViewService__Output {
  'id': (string);
  'name': (string);
  /**
   * vip | dnsrr
   */
  'endpointMode': (string);
  'virtualIps': (_shoal_v1_VirtualIP__Output)[];
  'ports': (_shoal_v1_PortConfig__Output)[];
}
