// Original file: proto/ca.proto


export interface LeaveSwarmResponse {
}

export interface LeaveSwarmResponse__Output {
}
