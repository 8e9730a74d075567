// Original file: proto/logs.proto

import type { LogMessage as _shoal_v1_LogMessage, LogMessage__Output as _shoal_v1_LogMessage__Output } from '../../shoal/v1/LogMessage.ts';

export interface SubscribeLogsMessage {
  'messages'?: (_shoal_v1_LogMessage)[];
  /**
   * Nodes whose logs could not be read (their agent is not connected), once, before the stream ends.
   */
  'unavailableNodes'?: (string)[];
}

export interface SubscribeLogsMessage__Output {
  'messages': (_shoal_v1_LogMessage__Output)[];
  /**
   * Nodes whose logs could not be read (their agent is not connected), once, before the stream ends.
   */
  'unavailableNodes': (string)[];
}
