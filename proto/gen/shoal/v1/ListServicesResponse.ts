// Original file: proto/control.proto

import type { Service as _shoal_v1_Service, Service__Output as _shoal_v1_Service__Output } from '../../shoal/v1/Service.ts';

export interface ListServicesResponse {
  'services'?: (_shoal_v1_Service)[];
}

export interface ListServicesResponse__Output {
  'services': (_shoal_v1_Service__Output)[];
}
