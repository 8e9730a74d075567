// Original file: proto/dispatcher.proto

import type { Task as _shoal_v1_Task, Task__Output as _shoal_v1_Task__Output } from '../../shoal/v1/Task.ts';

export interface AssignmentChange {
  /**
   * update (the task is assigned to this node, as it is now) | remove (it no longer is)
   */
  'action'?: (string);
  'task'?: (_shoal_v1_Task | null);
}

export interface AssignmentChange__Output {
  /**
   * update (the task is assigned to this node, as it is now) | remove (it no longer is)
   */
  'action': (string);
  'task': (_shoal_v1_Task__Output | null);
}
