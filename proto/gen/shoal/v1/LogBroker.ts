// Original file: proto/logs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ListenSubscriptionsRequest as _shoal_v1_ListenSubscriptionsRequest, ListenSubscriptionsRequest__Output as _shoal_v1_ListenSubscriptionsRequest__Output } from '../../shoal/v1/ListenSubscriptionsRequest.ts';
import type { PublishLogsMessage as _shoal_v1_PublishLogsMessage, PublishLogsMessage__Output as _shoal_v1_PublishLogsMessage__Output } from '../../shoal/v1/PublishLogsMessage.ts';
import type { PublishLogsResponse as _shoal_v1_PublishLogsResponse, PublishLogsResponse__Output as _shoal_v1_PublishLogsResponse__Output } from '../../shoal/v1/PublishLogsResponse.ts';
import type { SubscriptionMessage as _shoal_v1_SubscriptionMessage, SubscriptionMessage__Output as _shoal_v1_SubscriptionMessage__Output } from '../../shoal/v1/SubscriptionMessage.ts';

/**
 * For agents (every node), within their dispatcher session with the leader.
 */
export interface LogBrokerClient extends grpc.Client {
  ListenSubscriptions(argument: _shoal_v1_ListenSubscriptionsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscriptionMessage__Output>;
  ListenSubscriptions(argument: _shoal_v1_ListenSubscriptionsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscriptionMessage__Output>;
  listenSubscriptions(argument: _shoal_v1_ListenSubscriptionsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscriptionMessage__Output>;
  listenSubscriptions(argument: _shoal_v1_ListenSubscriptionsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscriptionMessage__Output>;
  
  PublishLogs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  PublishLogs(metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  PublishLogs(options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  PublishLogs(callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  publishLogs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  publishLogs(metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  publishLogs(options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  publishLogs(callback: grpc.requestCallback<_shoal_v1_PublishLogsResponse__Output>): grpc.ClientWritableStream<_shoal_v1_PublishLogsMessage>;
  
}

/**
 * For agents (every node), within their dispatcher session with the leader.
 */
export interface LogBrokerHandlers extends grpc.UntypedServiceImplementation {
  ListenSubscriptions: grpc.handleServerStreamingCall<_shoal_v1_ListenSubscriptionsRequest__Output, _shoal_v1_SubscriptionMessage>;
  
  PublishLogs: grpc.handleClientStreamingCall<_shoal_v1_PublishLogsMessage__Output, _shoal_v1_PublishLogsResponse>;
  
}

export interface LogBrokerDefinition extends grpc.ServiceDefinition {
  ListenSubscriptions: MethodDefinition<_shoal_v1_ListenSubscriptionsRequest, _shoal_v1_SubscriptionMessage, _shoal_v1_ListenSubscriptionsRequest__Output, _shoal_v1_SubscriptionMessage__Output>
  PublishLogs: MethodDefinition<_shoal_v1_PublishLogsMessage, _shoal_v1_PublishLogsResponse, _shoal_v1_PublishLogsMessage__Output, _shoal_v1_PublishLogsResponse__Output>
}
