// Original file: proto/control.proto


export interface LeaveRequest {
  'force'?: (boolean);
}

export interface LeaveRequest__Output {
  'force': (boolean);
}
