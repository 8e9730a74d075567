import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ListenSubscriptionsRequest as _shoal_v1_ListenSubscriptionsRequest, ListenSubscriptionsRequest__Output as _shoal_v1_ListenSubscriptionsRequest__Output } from './shoal/v1/ListenSubscriptionsRequest.ts';
import type { LogBrokerClient as _shoal_v1_LogBrokerClient, LogBrokerDefinition as _shoal_v1_LogBrokerDefinition } from './shoal/v1/LogBroker.ts';
import type { LogContext as _shoal_v1_LogContext, LogContext__Output as _shoal_v1_LogContext__Output } from './shoal/v1/LogContext.ts';
import type { LogMessage as _shoal_v1_LogMessage, LogMessage__Output as _shoal_v1_LogMessage__Output } from './shoal/v1/LogMessage.ts';
import type { LogSelector as _shoal_v1_LogSelector, LogSelector__Output as _shoal_v1_LogSelector__Output } from './shoal/v1/LogSelector.ts';
import type { LogSubscriptionOptions as _shoal_v1_LogSubscriptionOptions, LogSubscriptionOptions__Output as _shoal_v1_LogSubscriptionOptions__Output } from './shoal/v1/LogSubscriptionOptions.ts';
import type { LogsClient as _shoal_v1_LogsClient, LogsDefinition as _shoal_v1_LogsDefinition } from './shoal/v1/Logs.ts';
import type { PublishLogsMessage as _shoal_v1_PublishLogsMessage, PublishLogsMessage__Output as _shoal_v1_PublishLogsMessage__Output } from './shoal/v1/PublishLogsMessage.ts';
import type { PublishLogsResponse as _shoal_v1_PublishLogsResponse, PublishLogsResponse__Output as _shoal_v1_PublishLogsResponse__Output } from './shoal/v1/PublishLogsResponse.ts';
import type { SubscribeLogsMessage as _shoal_v1_SubscribeLogsMessage, SubscribeLogsMessage__Output as _shoal_v1_SubscribeLogsMessage__Output } from './shoal/v1/SubscribeLogsMessage.ts';
import type { SubscribeLogsRequest as _shoal_v1_SubscribeLogsRequest, SubscribeLogsRequest__Output as _shoal_v1_SubscribeLogsRequest__Output } from './shoal/v1/SubscribeLogsRequest.ts';
import type { SubscriptionMessage as _shoal_v1_SubscriptionMessage, SubscriptionMessage__Output as _shoal_v1_SubscriptionMessage__Output } from './shoal/v1/SubscriptionMessage.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  shoal: {
    v1: {
      ListenSubscriptionsRequest: MessageTypeDefinition<_shoal_v1_ListenSubscriptionsRequest, _shoal_v1_ListenSubscriptionsRequest__Output>
      /**
       * For agents (every node), within their dispatcher session with the leader.
       */
      LogBroker: SubtypeConstructor<typeof grpc.Client, _shoal_v1_LogBrokerClient> & { service: _shoal_v1_LogBrokerDefinition }
      LogContext: MessageTypeDefinition<_shoal_v1_LogContext, _shoal_v1_LogContext__Output>
      LogMessage: MessageTypeDefinition<_shoal_v1_LogMessage, _shoal_v1_LogMessage__Output>
      LogSelector: MessageTypeDefinition<_shoal_v1_LogSelector, _shoal_v1_LogSelector__Output>
      LogSubscriptionOptions: MessageTypeDefinition<_shoal_v1_LogSubscriptionOptions, _shoal_v1_LogSubscriptionOptions__Output>
      /**
       * For clients: manager certificates only; a follower forwards to the leader.
       */
      Logs: SubtypeConstructor<typeof grpc.Client, _shoal_v1_LogsClient> & { service: _shoal_v1_LogsDefinition }
      PublishLogsMessage: MessageTypeDefinition<_shoal_v1_PublishLogsMessage, _shoal_v1_PublishLogsMessage__Output>
      PublishLogsResponse: MessageTypeDefinition<_shoal_v1_PublishLogsResponse, _shoal_v1_PublishLogsResponse__Output>
      SubscribeLogsMessage: MessageTypeDefinition<_shoal_v1_SubscribeLogsMessage, _shoal_v1_SubscribeLogsMessage__Output>
      SubscribeLogsRequest: MessageTypeDefinition<_shoal_v1_SubscribeLogsRequest, _shoal_v1_SubscribeLogsRequest__Output>
      SubscriptionMessage: MessageTypeDefinition<_shoal_v1_SubscriptionMessage, _shoal_v1_SubscriptionMessage__Output>
    }
  }
}

