// Original file: proto/control.proto


export interface ListConfigsRequest {
}

export interface ListConfigsRequest__Output {
}
