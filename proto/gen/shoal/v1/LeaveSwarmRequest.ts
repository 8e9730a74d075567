// Original file: proto/ca.proto


export interface LeaveSwarmRequest {
}

export interface LeaveSwarmRequest__Output {
}
