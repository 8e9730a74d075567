// Original file: proto/control.proto


export interface JoinRequest {
  'token'?: (string);
  'remoteAddr'?: (string);
  'advertiseAddr'?: (string);
  'listenAddr'?: (string);
}

export interface JoinRequest__Output {
  'token': (string);
  'remoteAddr': (string);
  'advertiseAddr': (string);
  'listenAddr': (string);
}
