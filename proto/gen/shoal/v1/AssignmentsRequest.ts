// Original file: proto/dispatcher.proto

import type { HeldNetwork as _shoal_v1_HeldNetwork, HeldNetwork__Output as _shoal_v1_HeldNetwork__Output } from '../../shoal/v1/HeldNetwork.ts';

export interface AssignmentsRequest {
  'sessionId'?: (string);
  /**
   * The view the agent holds from an earlier stream (of this manager or another): per network, the
   * digest of its endpoints (view-digest.ts). A network whose digest is the manager's own is not sent
   * again (kept_networks): a session back after a failover costs what changed, not the view's size.
   */
  'held'?: (_shoal_v1_HeldNetwork)[];
}

export interface AssignmentsRequest__Output {
  'sessionId': (string);
  /**
   * The view the agent holds from an earlier stream (of this manager or another): per network, the
   * digest of its endpoints (view-digest.ts). A network whose digest is the manager's own is not sent
   * again (kept_networks): a session back after a failover costs what changed, not the view's size.
   */
  'held': (_shoal_v1_HeldNetwork__Output)[];
}
