// Original file: proto/control.proto

import type { Task as _shoal_v1_Task, Task__Output as _shoal_v1_Task__Output } from '../../shoal/v1/Task.ts';

export interface GetTaskResponse {
  'task'?: (_shoal_v1_Task | null);
}

export interface GetTaskResponse__Output {
  'task': (_shoal_v1_Task__Output | null);
}
