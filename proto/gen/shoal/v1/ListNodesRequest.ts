// Original file: proto/control.proto


export interface ListNodesRequest {
}

export interface ListNodesRequest__Output {
}
