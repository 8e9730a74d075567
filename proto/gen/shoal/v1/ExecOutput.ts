// Original file: proto/local.proto


/**
 * A piece of output, or (done) the end with the exit code.
 */
export interface ExecOutput {
  'stdout'?: (Buffer | Uint8Array | string);
  'stderr'?: (Buffer | Uint8Array | string);
  'exitCode'?: (number);
  'done'?: (boolean);
  /**
   * Run with detach: the task started.
   */
  'taskId'?: (string);
}

/**
 * A piece of output, or (done) the end with the exit code.
 */
export interface ExecOutput__Output {
  'stdout': (Buffer);
  'stderr': (Buffer);
  'exitCode': (number);
  'done': (boolean);
  /**
   * Run with detach: the task started.
   */
  'taskId': (string);
}
