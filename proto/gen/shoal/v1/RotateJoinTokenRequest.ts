// Original file: proto/control.proto


export interface RotateJoinTokenRequest {
  /**
   * worker | manager
   */
  'role'?: (string);
}

export interface RotateJoinTokenRequest__Output {
  /**
   * worker | manager
   */
  'role': (string);
}
