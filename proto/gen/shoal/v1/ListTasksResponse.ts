// Original file: proto/control.proto

import type { Task as _shoal_v1_Task, Task__Output as _shoal_v1_Task__Output } from '../../shoal/v1/Task.ts';

export interface ListTasksResponse {
  'tasks'?: (_shoal_v1_Task)[];
}

export interface ListTasksResponse__Output {
  'tasks': (_shoal_v1_Task__Output)[];
}
