// Original file: proto/control.proto


export interface GetTaskRequest {
  /**
   * An ID or a unique ID prefix.
   */
  'taskId'?: (string);
}

export interface GetTaskRequest__Output {
  /**
   * An ID or a unique ID prefix.
   */
  'taskId': (string);
}
