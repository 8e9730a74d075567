// Original file: proto/dispatcher.proto


export interface HeartbeatRequest {
  'sessionId'?: (string);
}

export interface HeartbeatRequest__Output {
  'sessionId': (string);
}
