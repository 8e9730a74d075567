// Original file: proto/logs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { SubscribeLogsMessage as _shoal_v1_SubscribeLogsMessage, SubscribeLogsMessage__Output as _shoal_v1_SubscribeLogsMessage__Output } from '../../shoal/v1/SubscribeLogsMessage.ts';
import type { SubscribeLogsRequest as _shoal_v1_SubscribeLogsRequest, SubscribeLogsRequest__Output as _shoal_v1_SubscribeLogsRequest__Output } from '../../shoal/v1/SubscribeLogsRequest.ts';

/**
 * For clients: manager certificates only; a follower forwards to the leader.
 */
export interface LogsClient extends grpc.Client {
  SubscribeLogs(argument: _shoal_v1_SubscribeLogsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscribeLogsMessage__Output>;
  SubscribeLogs(argument: _shoal_v1_SubscribeLogsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscribeLogsMessage__Output>;
  subscribeLogs(argument: _shoal_v1_SubscribeLogsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscribeLogsMessage__Output>;
  subscribeLogs(argument: _shoal_v1_SubscribeLogsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SubscribeLogsMessage__Output>;
  
}

/**
 * For clients: manager certificates only; a follower forwards to the leader.
 */
export interface LogsHandlers extends grpc.UntypedServiceImplementation {
  SubscribeLogs: grpc.handleServerStreamingCall<_shoal_v1_SubscribeLogsRequest__Output, _shoal_v1_SubscribeLogsMessage>;
  
}

export interface LogsDefinition extends grpc.ServiceDefinition {
  SubscribeLogs: MethodDefinition<_shoal_v1_SubscribeLogsRequest, _shoal_v1_SubscribeLogsMessage, _shoal_v1_SubscribeLogsRequest__Output, _shoal_v1_SubscribeLogsMessage__Output>
}
