// Original file: proto/logs.proto

import type { LogSelector as _shoal_v1_LogSelector, LogSelector__Output as _shoal_v1_LogSelector__Output } from '../../shoal/v1/LogSelector.ts';
import type { LogSubscriptionOptions as _shoal_v1_LogSubscriptionOptions, LogSubscriptionOptions__Output as _shoal_v1_LogSubscriptionOptions__Output } from '../../shoal/v1/LogSubscriptionOptions.ts';

export interface SubscribeLogsRequest {
  'selector'?: (_shoal_v1_LogSelector | null);
  'options'?: (_shoal_v1_LogSubscriptionOptions | null);
}

export interface SubscribeLogsRequest__Output {
  'selector': (_shoal_v1_LogSelector__Output | null);
  'options': (_shoal_v1_LogSubscriptionOptions__Output | null);
}
