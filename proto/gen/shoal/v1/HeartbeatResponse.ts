// Original file: proto/dispatcher.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatResponse {
  /**
   * When to send the next heartbeat (jittered around the dispatcher's period).
   */
  'periodMs'?: (number | string | Long);
}

export interface HeartbeatResponse__Output {
  /**
   * When to send the next heartbeat (jittered around the dispatcher's period).
   */
  'periodMs': (number);
}
