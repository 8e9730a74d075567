// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

/**
 * docker service inspect's UpdateStatus.
 */
export interface UpdateStatus {
  /**
   * updating | paused | completed | rollback_started | rollback_paused | rollback_completed
   */
  'state'?: (string);
  'startedAt'?: (number | string | Long);
  /**
   * 0 until it completed.
   */
  'completedAt'?: (number | string | Long);
  'message'?: (string);
}

/**
 * docker service inspect's UpdateStatus.
 */
export interface UpdateStatus__Output {
  /**
   * updating | paused | completed | rollback_started | rollback_paused | rollback_completed
   */
  'state': (string);
  'startedAt': (number);
  /**
   * 0 until it completed.
   */
  'completedAt': (number);
  'message': (string);
}
