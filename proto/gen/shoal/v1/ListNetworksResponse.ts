// Original file: proto/control.proto

import type { Network as _shoal_v1_Network, Network__Output as _shoal_v1_Network__Output } from '../../shoal/v1/Network.ts';

export interface ListNetworksResponse {
  'networks'?: (_shoal_v1_Network)[];
}

export interface ListNetworksResponse__Output {
  'networks': (_shoal_v1_Network__Output)[];
}
