// Original file: proto/control.proto

import type { TaskSpec as _shoal_v1_TaskSpec, TaskSpec__Output as _shoal_v1_TaskSpec__Output } from '../../shoal/v1/TaskSpec.ts';
import type { EndpointSpec as _shoal_v1_EndpointSpec, EndpointSpec__Output as _shoal_v1_EndpointSpec__Output } from '../../shoal/v1/EndpointSpec.ts';
import type { UpdateConfig as _shoal_v1_UpdateConfig, UpdateConfig__Output as _shoal_v1_UpdateConfig__Output } from '../../shoal/v1/UpdateConfig.ts';
import type { Long } from '@grpc/proto-loader';

export interface ServiceSpec {
  'name'?: (string);
  'labels'?: ({[key: string]: string});
  /**
   * replicated | global; empty = replicated.
   */
  'mode'?: (string);
  /**
   * For replicated mode: taken as given, so 0 is 0 replicas (docker service create --replicas 0); the
   * CLI sends 1 when --replicas is not given. Must be 0 for global mode.
   */
  'replicas'?: (number | string | Long);
  'task'?: (_shoal_v1_TaskSpec | null);
  /**
   * Network IDs, names or unique ID prefixes in requests; IDs in replies.
   */
  'networks'?: (string)[];
  /**
   * Absent = vip, no ports.
   */
  'endpoint'?: (_shoal_v1_EndpointSpec | null);
  /**
   * Absent = Swarm's defaults (parallelism 1, no delay, pause on failure).
   */
  'update'?: (_shoal_v1_UpdateConfig | null);
}

export interface ServiceSpec__Output {
  'name': (string);
  'labels': ({[key: string]: string});
  /**
   * replicated | global; empty = replicated.
   */
  'mode': (string);
  /**
   * For replicated mode: taken as given, so 0 is 0 replicas (docker service create --replicas 0); the
   * CLI sends 1 when --replicas is not given. Must be 0 for global mode.
   */
  'replicas': (number);
  'task': (_shoal_v1_TaskSpec__Output | null);
  /**
   * Network IDs, names or unique ID prefixes in requests; IDs in replies.
   */
  'networks': (string)[];
  /**
   * Absent = vip, no ports.
   */
  'endpoint': (_shoal_v1_EndpointSpec__Output | null);
  /**
   * Absent = Swarm's defaults (parallelism 1, no delay, pause on failure).
   */
  'update': (_shoal_v1_UpdateConfig__Output | null);
}
