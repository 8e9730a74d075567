// Original file: proto/control.proto


export interface LeaveResponse {
}

export interface LeaveResponse__Output {
}
