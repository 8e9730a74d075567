// Original file: proto/resource.proto


export interface DetachNetworkResponse {
}

export interface DetachNetworkResponse__Output {
}
