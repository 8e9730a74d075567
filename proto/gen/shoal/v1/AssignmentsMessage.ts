// Original file: proto/dispatcher.proto

import type { AssignmentChange as _shoal_v1_AssignmentChange, AssignmentChange__Output as _shoal_v1_AssignmentChange__Output } from '../../shoal/v1/AssignmentChange.ts';
import type { NetworkView as _shoal_v1_NetworkView, NetworkView__Output as _shoal_v1_NetworkView__Output } from '../../shoal/v1/NetworkView.ts';
import type { NetworkViewDelta as _shoal_v1_NetworkViewDelta, NetworkViewDelta__Output as _shoal_v1_NetworkViewDelta__Output } from '../../shoal/v1/NetworkViewDelta.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The first message is COMPLETE (every task assigned to the node); the later ones are INCREMENTAL and
 * chained: each one's applies_to is the previous one's results_in. An agent that sees a gap re-opens
 * the stream, and starts again from a COMPLETE set.
 */
export interface AssignmentsMessage {
  /**
   * complete | incremental
   */
  'type'?: (string);
  /**
   * 0 for a complete set.
   */
  'appliesTo'?: (number | string | Long);
  'resultsIn'?: (number | string | Long);
  'changes'?: (_shoal_v1_AssignmentChange)[];
  /**
   * What the node's data plane and DNS need of the networks its tasks are on (and of ingress), whole: in
   * the first part of a COMPLETE message only. Its sequence number is view_seq.
   */
  'networkView'?: (_shoal_v1_NetworkView | null);
  /**
   * More messages follow that belong with this one (a large set goes in parts, each chained as usual):
   * the agent acts once it has the part without `more`.
   */
  'more'?: (boolean);
  /**
   * In an INCREMENTAL message: how the view changed since the last one the stream sent (full or delta),
   * in the message whose changes it goes with; absent when it did not change.
   */
  'viewDelta'?: (_shoal_v1_NetworkViewDelta | null);
  /**
   * With network_view: the view's sequence number, which the first view_delta applies to.
   */
  'viewSeq'?: (number | string | Long);
  /**
   * With network_view: the networks whose endpoints the agent keeps from the view it held (their digest
   * was the manager's); network_view holds no endpoint of theirs.
   */
  'keptNetworks'?: (string)[];
}

/**
 * The first message is COMPLETE (every task assigned to the node); the later ones are INCREMENTAL and
 * chained: each one's applies_to is the previous one's results_in. An agent that sees a gap re-opens
 * the stream, and starts again from a COMPLETE set.
 */
export interface AssignmentsMessage__Output {
  /**
   * complete | incremental
   */
  'type': (string);
  /**
   * 0 for a complete set.
   */
  'appliesTo': (number);
  'resultsIn': (number);
  'changes': (_shoal_v1_AssignmentChange__Output)[];
  /**
   * What the node's data plane and DNS need of the networks its tasks are on (and of ingress), whole: in
   * the first part of a COMPLETE message only. Its sequence number is view_seq.
   */
  'networkView': (_shoal_v1_NetworkView__Output | null);
  /**
   * More messages follow that belong with this one (a large set goes in parts, each chained as usual):
   * the agent acts once it has the part without `more`.
   */
  'more': (boolean);
  /**
   * In an INCREMENTAL message: how the view changed since the last one the stream sent (full or delta),
   * in the message whose changes it goes with; absent when it did not change.
   */
  'viewDelta': (_shoal_v1_NetworkViewDelta__Output | null);
  /**
   * With network_view: the view's sequence number, which the first view_delta applies to.
   */
  'viewSeq': (number);
  /**
   * With network_view: the networks whose endpoints the agent keeps from the view it held (their digest
   * was the manager's); network_view holds no endpoint of theirs.
   */
  'keptNetworks': (string)[];
}
