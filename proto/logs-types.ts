/**
 * Shorter names of Logs and LogBroker messages as proto-loader delivers them (proto/gen/, generated from
 * proto/logs.proto).
 */
import type { ListenSubscriptionsRequest__Output } from './gen/shoal/v1/ListenSubscriptionsRequest.ts';
import type { LogContext__Output } from './gen/shoal/v1/LogContext.ts';
import type { LogMessage__Output } from './gen/shoal/v1/LogMessage.ts';
import type { LogSelector__Output } from './gen/shoal/v1/LogSelector.ts';
import type { LogSubscriptionOptions__Output } from './gen/shoal/v1/LogSubscriptionOptions.ts';
import type { PublishLogsMessage__Output } from './gen/shoal/v1/PublishLogsMessage.ts';
import type { SubscribeLogsMessage__Output } from './gen/shoal/v1/SubscribeLogsMessage.ts';
import type { SubscribeLogsRequest__Output } from './gen/shoal/v1/SubscribeLogsRequest.ts';
import type { SubscriptionMessage__Output } from './gen/shoal/v1/SubscriptionMessage.ts';

export type WireLogSelector = LogSelector__Output;
export type WireLogOptions = LogSubscriptionOptions__Output;
export type WireLogContext = LogContext__Output;
export type WireLogMessage = LogMessage__Output;
export type WireSubscribeLogsRequest = SubscribeLogsRequest__Output;
export type WireSubscribeLogsMessage = SubscribeLogsMessage__Output;
export type WireListenSubscriptionsRequest = ListenSubscriptionsRequest__Output;
export type WireSubscriptionMessage = SubscriptionMessage__Output;
export type WirePublishLogsMessage = PublishLogsMessage__Output;
