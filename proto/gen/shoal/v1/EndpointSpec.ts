// Original file: proto/control.proto

import type { PortConfig as _shoal_v1_PortConfig, PortConfig__Output as _shoal_v1_PortConfig__Output } from '../../shoal/v1/PortConfig.ts';

export interface EndpointSpec {
  /**
   * vip | dnsrr; empty = vip.
   */
  'mode'?: (string);
  'ports'?: (_shoal_v1_PortConfig)[];
}

export interface EndpointSpec__Output {
  /**
   * vip | dnsrr; empty = vip.
   */
  'mode': (string);
  'ports': (_shoal_v1_PortConfig__Output)[];
}
