// Original file: proto/control.proto


export interface GetClusterRequest {
}

export interface GetClusterRequest__Output {
}
