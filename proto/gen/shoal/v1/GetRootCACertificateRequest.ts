// Original file: proto/ca.proto


export interface GetRootCACertificateRequest {
}

export interface GetRootCACertificateRequest__Output {
}
