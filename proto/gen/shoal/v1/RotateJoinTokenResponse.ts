// Original file: proto/control.proto

import type { Cluster as _shoal_v1_Cluster, Cluster__Output as _shoal_v1_Cluster__Output } from '../../shoal/v1/Cluster.ts';

export interface RotateJoinTokenResponse {
  'cluster'?: (_shoal_v1_Cluster | null);
}

export interface RotateJoinTokenResponse__Output {
  'cluster': (_shoal_v1_Cluster__Output | null);
}
