// Original file: proto/control.proto

import type { Network as _shoal_v1_Network, Network__Output as _shoal_v1_Network__Output } from '../../shoal/v1/Network.ts';

export interface CreateNetworkResponse {
  'network'?: (_shoal_v1_Network | null);
}

export interface CreateNetworkResponse__Output {
  'network': (_shoal_v1_Network__Output | null);
}
