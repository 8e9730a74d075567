// Original file: proto/control.proto


export interface _shoal_v1_ListTasksRequest_Filters {
  /**
   * Services (any of them), each by ID, name or unique ID prefix.
   */
  'serviceIds'?: (string)[];
  /**
   * Node IDs (any of them).
   */
  'nodeIds'?: (string)[];
  /**
   * Desired states (any of them): new, pending, ..., running, shutdown, ..., remove.
   */
  'desiredStates'?: (string)[];
}

export interface _shoal_v1_ListTasksRequest_Filters__Output {
  /**
   * Services (any of them), each by ID, name or unique ID prefix.
   */
  'serviceIds': (string)[];
  /**
   * Node IDs (any of them).
   */
  'nodeIds': (string)[];
  /**
   * Desired states (any of them): new, pending, ..., running, shutdown, ..., remove.
   */
  'desiredStates': (string)[];
}

export interface ListTasksRequest {
  'filters'?: (_shoal_v1_ListTasksRequest_Filters | null);
}

export interface ListTasksRequest__Output {
  'filters': (_shoal_v1_ListTasksRequest_Filters__Output | null);
}
