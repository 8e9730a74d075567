// Original file: proto/dispatcher.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AssignmentsMessage as _shoal_v1_AssignmentsMessage, AssignmentsMessage__Output as _shoal_v1_AssignmentsMessage__Output } from '../../shoal/v1/AssignmentsMessage.ts';
import type { AssignmentsRequest as _shoal_v1_AssignmentsRequest, AssignmentsRequest__Output as _shoal_v1_AssignmentsRequest__Output } from '../../shoal/v1/AssignmentsRequest.ts';
import type { HeartbeatRequest as _shoal_v1_HeartbeatRequest, HeartbeatRequest__Output as _shoal_v1_HeartbeatRequest__Output } from '../../shoal/v1/HeartbeatRequest.ts';
import type { HeartbeatResponse as _shoal_v1_HeartbeatResponse, HeartbeatResponse__Output as _shoal_v1_HeartbeatResponse__Output } from '../../shoal/v1/HeartbeatResponse.ts';
import type { SessionMessage as _shoal_v1_SessionMessage, SessionMessage__Output as _shoal_v1_SessionMessage__Output } from '../../shoal/v1/SessionMessage.ts';
import type { SessionRequest as _shoal_v1_SessionRequest, SessionRequest__Output as _shoal_v1_SessionRequest__Output } from '../../shoal/v1/SessionRequest.ts';
import type { UpdateTaskStatusRequest as _shoal_v1_UpdateTaskStatusRequest, UpdateTaskStatusRequest__Output as _shoal_v1_UpdateTaskStatusRequest__Output } from '../../shoal/v1/UpdateTaskStatusRequest.ts';
import type { UpdateTaskStatusResponse as _shoal_v1_UpdateTaskStatusResponse, UpdateTaskStatusResponse__Output as _shoal_v1_UpdateTaskStatusResponse__Output } from '../../shoal/v1/UpdateTaskStatusResponse.ts';

export interface DispatcherClient extends grpc.Client {
  Assignments(argument: _shoal_v1_AssignmentsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_AssignmentsMessage__Output>;
  Assignments(argument: _shoal_v1_AssignmentsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_AssignmentsMessage__Output>;
  assignments(argument: _shoal_v1_AssignmentsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_AssignmentsMessage__Output>;
  assignments(argument: _shoal_v1_AssignmentsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_AssignmentsMessage__Output>;
  
  /**
   * One heartbeat; agents use Heartbeats, this stays for agents of earlier versions.
   */
  Heartbeat(argument: _shoal_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _shoal_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _shoal_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _shoal_v1_HeartbeatRequest, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One heartbeat; agents use Heartbeats, this stays for agents of earlier versions.
   */
  heartbeat(argument: _shoal_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _shoal_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _shoal_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _shoal_v1_HeartbeatRequest, callback: grpc.requestCallback<_shoal_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The session's heartbeats as messages on one stream, each answered with when to send the next. A
   * unary call cost the leader three times a stream message, and 5,000 nodes send 1,000 a second.
   * A refused heartbeat ends the stream with the status Heartbeat would have answered.
   */
  Heartbeats(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_shoal_v1_HeartbeatRequest, _shoal_v1_HeartbeatResponse__Output>;
  Heartbeats(options?: grpc.CallOptions): grpc.ClientDuplexStream<_shoal_v1_HeartbeatRequest, _shoal_v1_HeartbeatResponse__Output>;
  /**
   * The session's heartbeats as messages on one stream, each answered with when to send the next. A
   * unary call cost the leader three times a stream message, and 5,000 nodes send 1,000 a second.
   * A refused heartbeat ends the stream with the status Heartbeat would have answered.
   */
  heartbeats(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_shoal_v1_HeartbeatRequest, _shoal_v1_HeartbeatResponse__Output>;
  heartbeats(options?: grpc.CallOptions): grpc.ClientDuplexStream<_shoal_v1_HeartbeatRequest, _shoal_v1_HeartbeatResponse__Output>;
  
  /**
   * Registers the node; the stream stays open for the session's lifetime. Only the leader's dispatcher
   * runs: a follower answers UNAVAILABLE naming the leader (trailing metadata shoal-leader-addr).
   */
  Session(argument: _shoal_v1_SessionRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SessionMessage__Output>;
  Session(argument: _shoal_v1_SessionRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SessionMessage__Output>;
  /**
   * Registers the node; the stream stays open for the session's lifetime. Only the leader's dispatcher
   * runs: a follower answers UNAVAILABLE naming the leader (trailing metadata shoal-leader-addr).
   */
  session(argument: _shoal_v1_SessionRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SessionMessage__Output>;
  session(argument: _shoal_v1_SessionRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_SessionMessage__Output>;
  
  /**
   * A node reports its own tasks only: one task of another node refuses the whole request (PermissionDenied).
   */
  UpdateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  UpdateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  UpdateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  UpdateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A node reports its own tasks only: one task of another node refuses the whole request (PermissionDenied).
   */
  updateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  updateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  updateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  updateTaskStatus(argument: _shoal_v1_UpdateTaskStatusRequest, callback: grpc.requestCallback<_shoal_v1_UpdateTaskStatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface DispatcherHandlers extends grpc.UntypedServiceImplementation {
  Assignments: grpc.handleServerStreamingCall<_shoal_v1_AssignmentsRequest__Output, _shoal_v1_AssignmentsMessage>;
  
  /**
   * One heartbeat; agents use Heartbeats, this stays for agents of earlier versions.
   */
  Heartbeat: grpc.handleUnaryCall<_shoal_v1_HeartbeatRequest__Output, _shoal_v1_HeartbeatResponse>;
  
  /**
   * The session's heartbeats as messages on one stream, each answered with when to send the next. A
   * unary call cost the leader three times a stream message, and 5,000 nodes send 1,000 a second.
   * A refused heartbeat ends the stream with the status Heartbeat would have answered.
   */
  Heartbeats: grpc.handleBidiStreamingCall<_shoal_v1_HeartbeatRequest__Output, _shoal_v1_HeartbeatResponse>;
  
  /**
   * Registers the node; the stream stays open for the session's lifetime. Only the leader's dispatcher
   * runs: a follower answers UNAVAILABLE naming the leader (trailing metadata shoal-leader-addr).
   */
  Session: grpc.handleServerStreamingCall<_shoal_v1_SessionRequest__Output, _shoal_v1_SessionMessage>;
  
  /**
   * A node reports its own tasks only: one task of another node refuses the whole request (PermissionDenied).
   */
  UpdateTaskStatus: grpc.handleUnaryCall<_shoal_v1_UpdateTaskStatusRequest__Output, _shoal_v1_UpdateTaskStatusResponse>;
  
}

export interface DispatcherDefinition extends grpc.ServiceDefinition {
  Assignments: MethodDefinition<_shoal_v1_AssignmentsRequest, _shoal_v1_AssignmentsMessage, _shoal_v1_AssignmentsRequest__Output, _shoal_v1_AssignmentsMessage__Output>
  Heartbeat: MethodDefinition<_shoal_v1_HeartbeatRequest, _shoal_v1_HeartbeatResponse, _shoal_v1_HeartbeatRequest__Output, _shoal_v1_HeartbeatResponse__Output>
  Heartbeats: MethodDefinition<_shoal_v1_HeartbeatRequest, _shoal_v1_HeartbeatResponse, _shoal_v1_HeartbeatRequest__Output, _shoal_v1_HeartbeatResponse__Output>
  Session: MethodDefinition<_shoal_v1_SessionRequest, _shoal_v1_SessionMessage, _shoal_v1_SessionRequest__Output, _shoal_v1_SessionMessage__Output>
  UpdateTaskStatus: MethodDefinition<_shoal_v1_UpdateTaskStatusRequest, _shoal_v1_UpdateTaskStatusResponse, _shoal_v1_UpdateTaskStatusRequest__Output, _shoal_v1_UpdateTaskStatusResponse__Output>
}
