// Original file: proto/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { InfoRequest as _shoal_v1_InfoRequest, InfoRequest__Output as _shoal_v1_InfoRequest__Output } from '../../shoal/v1/InfoRequest.ts';
import type { InfoResponse as _shoal_v1_InfoResponse, InfoResponse__Output as _shoal_v1_InfoResponse__Output } from '../../shoal/v1/InfoResponse.ts';
import type { InitRequest as _shoal_v1_InitRequest, InitRequest__Output as _shoal_v1_InitRequest__Output } from '../../shoal/v1/InitRequest.ts';
import type { InitResponse as _shoal_v1_InitResponse, InitResponse__Output as _shoal_v1_InitResponse__Output } from '../../shoal/v1/InitResponse.ts';
import type { JoinRequest as _shoal_v1_JoinRequest, JoinRequest__Output as _shoal_v1_JoinRequest__Output } from '../../shoal/v1/JoinRequest.ts';
import type { JoinResponse as _shoal_v1_JoinResponse, JoinResponse__Output as _shoal_v1_JoinResponse__Output } from '../../shoal/v1/JoinResponse.ts';
import type { LeaveRequest as _shoal_v1_LeaveRequest, LeaveRequest__Output as _shoal_v1_LeaveRequest__Output } from '../../shoal/v1/LeaveRequest.ts';
import type { LeaveResponse as _shoal_v1_LeaveResponse, LeaveResponse__Output as _shoal_v1_LeaveResponse__Output } from '../../shoal/v1/LeaveResponse.ts';

/**
 * Served only on the local unix socket: turning this daemon into (or out of) a cluster member.
 */
export interface SwarmClient extends grpc.Client {
  Info(argument: _shoal_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  Info(argument: _shoal_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  Info(argument: _shoal_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  Info(argument: _shoal_v1_InfoRequest, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _shoal_v1_InfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _shoal_v1_InfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _shoal_v1_InfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  info(argument: _shoal_v1_InfoRequest, callback: grpc.requestCallback<_shoal_v1_InfoResponse__Output>): grpc.ClientUnaryCall;
  
  Init(argument: _shoal_v1_InitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  Init(argument: _shoal_v1_InitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  Init(argument: _shoal_v1_InitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  Init(argument: _shoal_v1_InitRequest, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  init(argument: _shoal_v1_InitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  init(argument: _shoal_v1_InitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  init(argument: _shoal_v1_InitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  init(argument: _shoal_v1_InitRequest, callback: grpc.requestCallback<_shoal_v1_InitResponse__Output>): grpc.ClientUnaryCall;
  
  Join(argument: _shoal_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _shoal_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _shoal_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _shoal_v1_JoinRequest, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_JoinRequest, callback: grpc.requestCallback<_shoal_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  
  Leave(argument: _shoal_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  Leave(argument: _shoal_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  Leave(argument: _shoal_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  Leave(argument: _shoal_v1_LeaveRequest, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _shoal_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _shoal_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _shoal_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _shoal_v1_LeaveRequest, callback: grpc.requestCallback<_shoal_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Served only on the local unix socket: turning this daemon into (or out of) a cluster member.
 */
export interface SwarmHandlers extends grpc.UntypedServiceImplementation {
  Info: grpc.handleUnaryCall<_shoal_v1_InfoRequest__Output, _shoal_v1_InfoResponse>;
  
  Init: grpc.handleUnaryCall<_shoal_v1_InitRequest__Output, _shoal_v1_InitResponse>;
  
  Join: grpc.handleUnaryCall<_shoal_v1_JoinRequest__Output, _shoal_v1_JoinResponse>;
  
  Leave: grpc.handleUnaryCall<_shoal_v1_LeaveRequest__Output, _shoal_v1_LeaveResponse>;
  
}

export interface SwarmDefinition extends grpc.ServiceDefinition {
  Info: MethodDefinition<_shoal_v1_InfoRequest, _shoal_v1_InfoResponse, _shoal_v1_InfoRequest__Output, _shoal_v1_InfoResponse__Output>
  Init: MethodDefinition<_shoal_v1_InitRequest, _shoal_v1_InitResponse, _shoal_v1_InitRequest__Output, _shoal_v1_InitResponse__Output>
  Join: MethodDefinition<_shoal_v1_JoinRequest, _shoal_v1_JoinResponse, _shoal_v1_JoinRequest__Output, _shoal_v1_JoinResponse__Output>
  Leave: MethodDefinition<_shoal_v1_LeaveRequest, _shoal_v1_LeaveResponse, _shoal_v1_LeaveRequest__Output, _shoal_v1_LeaveResponse__Output>
}
