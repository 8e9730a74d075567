// Original file: proto/logs.proto

import type { Long } from '@grpc/proto-loader';

export interface LogSubscriptionOptions {
  /**
   * Keep streaming new output (and new tasks' output) until the client goes.
   */
  'follow'?: (boolean);
  /**
   * The last `tail` lines of each task's streams first; negative = all of them.
   */
  'tail'?: (number | string | Long);
}

export interface LogSubscriptionOptions__Output {
  /**
   * Keep streaming new output (and new tasks' output) until the client goes.
   */
  'follow': (boolean);
  /**
   * The last `tail` lines of each task's streams first; negative = all of them.
   */
  'tail': (number);
}
