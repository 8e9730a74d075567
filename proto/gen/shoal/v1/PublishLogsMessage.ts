// Original file: proto/logs.proto

import type { LogMessage as _shoal_v1_LogMessage, LogMessage__Output as _shoal_v1_LogMessage__Output } from '../../shoal/v1/LogMessage.ts';

export interface PublishLogsMessage {
  'subscriptionId'?: (string);
  'messages'?: (_shoal_v1_LogMessage)[];
  /**
   * This node has sent all it had (a subscription without follow).
   */
  'close'?: (boolean);
}

export interface PublishLogsMessage__Output {
  'subscriptionId': (string);
  'messages': (_shoal_v1_LogMessage__Output)[];
  /**
   * This node has sent all it had (a subscription without follow).
   */
  'close': (boolean);
}
