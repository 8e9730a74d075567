// Original file: proto/control.proto

import type { PortConfig as _shoal_v1_PortConfig, PortConfig__Output as _shoal_v1_PortConfig__Output } from '../../shoal/v1/PortConfig.ts';
import type { VirtualIP as _shoal_v1_VirtualIP, VirtualIP__Output as _shoal_v1_VirtualIP__Output } from '../../shoal/v1/VirtualIP.ts';

/**
 * What the leader's allocator gave a service.
 */
export interface Endpoint {
  /**
   * The spec's ports with allocated published ports filled in.
   */
  'ports'?: (_shoal_v1_PortConfig)[];
  'virtualIps'?: (_shoal_v1_VirtualIP)[];
}

/**
 * What the leader's allocator gave a service.
 */
export interface Endpoint__Output {
  /**
   * The spec's ports with allocated published ports filled in.
   */
  'ports': (_shoal_v1_PortConfig__Output)[];
  'virtualIps': (_shoal_v1_VirtualIP__Output)[];
}
