// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface TaskStatus {
  /**
   * new | pending | assigned | accepted | preparing | ready | starting | running | complete | shutdown |
   * failed | rejected | remove | orphaned
   */
  'state'?: (string);
  /**
   * When the state was reached (ms since the epoch).
   */
  'timestamp'?: (number | string | Long);
  'message'?: (string);
  'err'?: (string);
}

export interface TaskStatus__Output {
  /**
   * new | pending | assigned | accepted | preparing | ready | starting | running | complete | shutdown |
   * failed | rejected | remove | orphaned
   */
  'state': (string);
  /**
   * When the state was reached (ms since the epoch).
   */
  'timestamp': (number);
  'message': (string);
  'err': (string);
}
