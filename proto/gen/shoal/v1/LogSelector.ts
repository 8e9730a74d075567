// Original file: proto/logs.proto


/**
 * Which tasks' output: those of the services, and the tasks, named (IDs).
 */
export interface LogSelector {
  'serviceIds'?: (string)[];
  'taskIds'?: (string)[];
}

/**
 * Which tasks' output: those of the services, and the tasks, named (IDs).
 */
export interface LogSelector__Output {
  'serviceIds': (string)[];
  'taskIds': (string)[];
}
