// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

/**
 * When present, every field is taken as given, except the ones whose default is said below.
 */
export interface UpdateConfig {
  /**
   * Tasks updated at once; 0 = all.
   */
  'parallelism'?: (number | string | Long);
  'delayMs'?: (number | string | Long);
  /**
   * pause | continue | rollback; empty = pause.
   */
  'failureAction'?: (string);
  /**
   * 0 = Swarm's default (5 s).
   */
  'monitorMs'?: (number | string | Long);
  'maxFailureRatio'?: (number | string);
  /**
   * stop-first | start-first; empty = stop-first.
   */
  'order'?: (string);
}

/**
 * When present, every field is taken as given, except the ones whose default is said below.
 */
export interface UpdateConfig__Output {
  /**
   * Tasks updated at once; 0 = all.
   */
  'parallelism': (number);
  'delayMs': (number);
  /**
   * pause | continue | rollback; empty = pause.
   */
  'failureAction': (string);
  /**
   * 0 = Swarm's default (5 s).
   */
  'monitorMs': (number);
  'maxFailureRatio': (number);
  /**
   * stop-first | start-first; empty = stop-first.
   */
  'order': (string);
}
