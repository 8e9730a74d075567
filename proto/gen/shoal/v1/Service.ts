// Original file: proto/control.proto

import type { ServiceSpec as _shoal_v1_ServiceSpec, ServiceSpec__Output as _shoal_v1_ServiceSpec__Output } from '../../shoal/v1/ServiceSpec.ts';
import type { Endpoint as _shoal_v1_Endpoint, Endpoint__Output as _shoal_v1_Endpoint__Output } from '../../shoal/v1/Endpoint.ts';
import type { UpdateStatus as _shoal_v1_UpdateStatus, UpdateStatus__Output as _shoal_v1_UpdateStatus__Output } from '../../shoal/v1/UpdateStatus.ts';
import type { Long } from '@grpc/proto-loader';

export interface Service {
  'id'?: (string);
  'version'?: (number | string | Long);
  'spec'?: (_shoal_v1_ServiceSpec | null);
  /**
   * The spec before the last update; absent if never updated.
   */
  'previousSpec'?: (_shoal_v1_ServiceSpec | null);
  /**
   * Absent until allocated (a service is allocated when it is created).
   */
  'endpoint'?: (_shoal_v1_Endpoint | null);
  'createdAt'?: (number | string | Long);
  'updatedAt'?: (number | string | Long);
  /**
   * The last rolling update's progress; absent if none ran since the spec last changed.
   */
  'updateStatus'?: (_shoal_v1_UpdateStatus | null);
}

export interface Service__Output {
  'id': (string);
  'version': (number);
  'spec': (_shoal_v1_ServiceSpec__Output | null);
  /**
   * The spec before the last update; absent if never updated.
   */
  'previousSpec': (_shoal_v1_ServiceSpec__Output | null);
  /**
   * Absent until allocated (a service is allocated when it is created).
   */
  'endpoint': (_shoal_v1_Endpoint__Output | null);
  'createdAt': (number);
  'updatedAt': (number);
  /**
   * The last rolling update's progress; absent if none ran since the spec last changed.
   */
  'updateStatus': (_shoal_v1_UpdateStatus__Output | null);
}
