// Original file: proto/control.proto


export interface InfoRequest {
}

export interface InfoRequest__Output {
}
