// Original file: proto/resource.proto


export interface DetachNetworkRequest {
  'attachmentId'?: (string);
}

export interface DetachNetworkRequest__Output {
  'attachmentId': (string);
}
