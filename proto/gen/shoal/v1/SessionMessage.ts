// Original file: proto/dispatcher.proto

import type { Node as _shoal_v1_Node, Node__Output as _shoal_v1_Node__Output } from '../../shoal/v1/Node.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The first message of a session, then one whenever the node or the managers change.
 */
export interface SessionMessage {
  /**
   * Presented on every other call of the session; a new session makes the old one invalid.
   */
  'sessionId'?: (string);
  /**
   * The node as the managers see it.
   */
  'node'?: (_shoal_v1_Node | null);
  /**
   * Every manager's address (host:port): where the agent reconnects when this one goes.
   */
  'managers'?: (string)[];
  /**
   * How often the agent heartbeats.
   */
  'heartbeatPeriodMs'?: (number | string | Long);
}

/**
 * The first message of a session, then one whenever the node or the managers change.
 */
export interface SessionMessage__Output {
  /**
   * Presented on every other call of the session; a new session makes the old one invalid.
   */
  'sessionId': (string);
  /**
   * The node as the managers see it.
   */
  'node': (_shoal_v1_Node__Output | null);
  /**
   * Every manager's address (host:port): where the agent reconnects when this one goes.
   */
  'managers': (string)[];
  /**
   * How often the agent heartbeats.
   */
  'heartbeatPeriodMs': (number);
}
