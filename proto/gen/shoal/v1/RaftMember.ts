// Original file: proto/ca.proto

import type { Long } from '@grpc/proto-loader';

export interface RaftMember {
  'raftId'?: (number | string | Long);
  'addr'?: (string);
}

export interface RaftMember__Output {
  'raftId': (number);
  'addr': (string);
}
