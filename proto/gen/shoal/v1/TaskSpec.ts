// Original file: proto/control.proto

import type { RestartPolicy as _shoal_v1_RestartPolicy, RestartPolicy__Output as _shoal_v1_RestartPolicy__Output } from '../../shoal/v1/RestartPolicy.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * What every task of a service runs: a process (there are no images).
 */
export interface TaskSpec {
  /**
   * The program and its first arguments.
   */
  'command'?: (string)[];
  'args'?: (string)[];
  /**
   * KEY=value entries.
   */
  'env'?: (string)[];
  /**
   * node.role==manager, node.labels.zone!=b, ...
   */
  'constraints'?: (string)[];
  /**
   * Absent = Swarm's defaults (any, 5 s, unlimited).
   */
  'restart'?: (_shoal_v1_RestartPolicy | null);
  /**
   * 0 = Swarm's default (10 s): a grace period of 0 cannot be asked for.
   */
  'stopGracePeriodMs'?: (number | string | Long);
}

/**
 * What every task of a service runs: a process (there are no images).
 */
export interface TaskSpec__Output {
  /**
   * The program and its first arguments.
   */
  'command': (string)[];
  'args': (string)[];
  /**
   * KEY=value entries.
   */
  'env': (string)[];
  /**
   * node.role==manager, node.labels.zone!=b, ...
   */
  'constraints': (string)[];
  /**
   * Absent = Swarm's defaults (any, 5 s, unlimited).
   */
  'restart': (_shoal_v1_RestartPolicy__Output | null);
  /**
   * 0 = Swarm's default (10 s): a grace period of 0 cannot be asked for.
   */
  'stopGracePeriodMs': (number);
}
