// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface Cluster {
  'id'?: (string);
  'name'?: (string);
  'workerToken'?: (string);
  'managerToken'?: (string);
  'caDigest'?: (string);
  'createdAt'?: (number | string | Long);
  /**
   * The range of every node's gateway bridge (swarm init --gateway-subnet), e.g. 172.18.0.0/16.
   */
  'gatewaySubnet'?: (string);
}

export interface Cluster__Output {
  'id': (string);
  'name': (string);
  'workerToken': (string);
  'managerToken': (string);
  'caDigest': (string);
  'createdAt': (number);
  /**
   * The range of every node's gateway bridge (swarm init --gateway-subnet), e.g. 172.18.0.0/16.
   */
  'gatewaySubnet': (string);
}
