// Original file: proto/local.proto


export interface ExecRequest {
  /**
   * A task ID, unique ID prefix, `service.slot`, or a standalone task's name.
   */
  'task'?: (string);
  'argv'?: (string)[];
}

export interface ExecRequest__Output {
  /**
   * A task ID, unique ID prefix, `service.slot`, or a standalone task's name.
   */
  'task': (string);
  'argv': (string)[];
}
