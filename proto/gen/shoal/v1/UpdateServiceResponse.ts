// Original file: proto/control.proto

import type { Service as _shoal_v1_Service, Service__Output as _shoal_v1_Service__Output } from '../../shoal/v1/Service.ts';

export interface UpdateServiceResponse {
  'service'?: (_shoal_v1_Service | null);
}

export interface UpdateServiceResponse__Output {
  'service': (_shoal_v1_Service__Output | null);
}
