// Original file: proto/dispatcher.proto

import type { TaskStatus as _shoal_v1_TaskStatus, TaskStatus__Output as _shoal_v1_TaskStatus__Output } from '../../shoal/v1/TaskStatus.ts';

export interface TaskStatusUpdate {
  'taskId'?: (string);
  'status'?: (_shoal_v1_TaskStatus | null);
}

export interface TaskStatusUpdate__Output {
  'taskId': (string);
  'status': (_shoal_v1_TaskStatus__Output | null);
}
