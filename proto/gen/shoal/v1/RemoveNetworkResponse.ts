// Original file: proto/control.proto


export interface RemoveNetworkResponse {
}

export interface RemoveNetworkResponse__Output {
}
