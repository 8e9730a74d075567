// Original file: proto/control.proto


export interface RemoveConfigResponse {
}

export interface RemoveConfigResponse__Output {
}
