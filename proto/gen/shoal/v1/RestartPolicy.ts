// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

/**
 * When present, every field is taken as given (an empty condition = any): send the defaults along with
 * a changed field (docker service create --restart-condition none → {none, 5000, 0}).
 */
export interface RestartPolicy {
  /**
   * none | on-failure | any; empty = any.
   */
  'condition'?: (string);
  /**
   * Pause before a replacement starts.
   */
  'delayMs'?: (number | string | Long);
  /**
   * Replacements per slot; 0 = unlimited.
   */
  'maxAttempts'?: (number | string | Long);
}

/**
 * When present, every field is taken as given (an empty condition = any): send the defaults along with
 * a changed field (docker service create --restart-condition none → {none, 5000, 0}).
 */
export interface RestartPolicy__Output {
  /**
   * none | on-failure | any; empty = any.
   */
  'condition': (string);
  /**
   * Pause before a replacement starts.
   */
  'delayMs': (number);
  /**
   * Replacements per slot; 0 = unlimited.
   */
  'maxAttempts': (number);
}
