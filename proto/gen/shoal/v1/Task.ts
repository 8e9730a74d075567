// Original file: proto/control.proto

import type { TaskStatus as _shoal_v1_TaskStatus, TaskStatus__Output as _shoal_v1_TaskStatus__Output } from '../../shoal/v1/TaskStatus.ts';
import type { TaskSpec as _shoal_v1_TaskSpec, TaskSpec__Output as _shoal_v1_TaskSpec__Output } from '../../shoal/v1/TaskSpec.ts';
import type { NetworkAttachment as _shoal_v1_NetworkAttachment, NetworkAttachment__Output as _shoal_v1_NetworkAttachment__Output } from '../../shoal/v1/NetworkAttachment.ts';
import type { Endpoint as _shoal_v1_Endpoint, Endpoint__Output as _shoal_v1_Endpoint__Output } from '../../shoal/v1/Endpoint.ts';
import type { Long } from '@grpc/proto-loader';

export interface Task {
  'id'?: (string);
  'version'?: (number | string | Long);
  /**
   * Empty for a standalone attachment.
   */
  'serviceId'?: (string);
  'slot'?: (number | string | Long);
  /**
   * Empty until scheduled.
   */
  'nodeId'?: (string);
  /**
   * One of TaskStatus.state's values.
   */
  'desiredState'?: (string);
  'status'?: (_shoal_v1_TaskStatus | null);
  /**
   * The service's task template when the task was made.
   */
  'spec'?: (_shoal_v1_TaskSpec | null);
  'networks'?: (_shoal_v1_NetworkAttachment)[];
  /**
   * A copy of the service's endpoint; absent for a standalone attachment.
   */
  'endpoint'?: (_shoal_v1_Endpoint | null);
  'createdAt'?: (number | string | Long);
  'updatedAt'?: (number | string | Long);
}

export interface Task__Output {
  'id': (string);
  'version': (number);
  /**
   * Empty for a standalone attachment.
   */
  'serviceId': (string);
  'slot': (number);
  /**
   * Empty until scheduled.
   */
  'nodeId': (string);
  /**
   * One of TaskStatus.state's values.
   */
  'desiredState': (string);
  'status': (_shoal_v1_TaskStatus__Output | null);
  /**
   * The service's task template when the task was made.
   */
  'spec': (_shoal_v1_TaskSpec__Output | null);
  'networks': (_shoal_v1_NetworkAttachment__Output)[];
  /**
   * A copy of the service's endpoint; absent for a standalone attachment.
   */
  'endpoint': (_shoal_v1_Endpoint__Output | null);
  'createdAt': (number);
  'updatedAt': (number);
}
