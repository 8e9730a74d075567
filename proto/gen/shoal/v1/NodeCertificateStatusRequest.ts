// Original file: proto/ca.proto


export interface NodeCertificateStatusRequest {
  'nodeId'?: (string);
}

export interface NodeCertificateStatusRequest__Output {
  'nodeId': (string);
}
