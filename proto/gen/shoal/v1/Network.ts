// Original file: proto/control.proto

import type { NetworkSpec as _shoal_v1_NetworkSpec, NetworkSpec__Output as _shoal_v1_NetworkSpec__Output } from '../../shoal/v1/NetworkSpec.ts';
import type { NetworkAllocation as _shoal_v1_NetworkAllocation, NetworkAllocation__Output as _shoal_v1_NetworkAllocation__Output } from '../../shoal/v1/NetworkAllocation.ts';
import type { Long } from '@grpc/proto-loader';

export interface Network {
  'id'?: (string);
  'version'?: (number | string | Long);
  'spec'?: (_shoal_v1_NetworkSpec | null);
  /**
   * Absent until allocated (a network is allocated when it is created).
   */
  'allocation'?: (_shoal_v1_NetworkAllocation | null);
  'createdAt'?: (number | string | Long);
  'updatedAt'?: (number | string | Long);
}

export interface Network__Output {
  'id': (string);
  'version': (number);
  'spec': (_shoal_v1_NetworkSpec__Output | null);
  /**
   * Absent until allocated (a network is allocated when it is created).
   */
  'allocation': (_shoal_v1_NetworkAllocation__Output | null);
  'createdAt': (number);
  'updatedAt': (number);
}
