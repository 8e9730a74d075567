// Original file: proto/control.proto

import type { ServiceSpec as _shoal_v1_ServiceSpec, ServiceSpec__Output as _shoal_v1_ServiceSpec__Output } from '../../shoal/v1/ServiceSpec.ts';
import type { Long } from '@grpc/proto-loader';

export interface UpdateServiceRequest {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'serviceId'?: (string);
  /**
   * The version the caller read (Service.version): another one is refused with "update out of sequence".
   */
  'version'?: (number | string | Long);
  /**
   * The whole new spec (not a patch); the name cannot change.
   */
  'spec'?: (_shoal_v1_ServiceSpec | null);
}

export interface UpdateServiceRequest__Output {
  /**
   * An ID, a name, or a unique ID prefix.
   */
  'serviceId': (string);
  /**
   * The version the caller read (Service.version): another one is refused with "update out of sequence".
   */
  'version': (number);
  /**
   * The whole new spec (not a patch); the name cannot change.
   */
  'spec': (_shoal_v1_ServiceSpec__Output | null);
}
