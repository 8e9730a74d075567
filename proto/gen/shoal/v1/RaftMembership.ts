// Original file: proto/ca.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { RaftJoinRequest as _shoal_v1_RaftJoinRequest, RaftJoinRequest__Output as _shoal_v1_RaftJoinRequest__Output } from '../../shoal/v1/RaftJoinRequest.ts';
import type { RaftJoinResponse as _shoal_v1_RaftJoinResponse, RaftJoinResponse__Output as _shoal_v1_RaftJoinResponse__Output } from '../../shoal/v1/RaftJoinResponse.ts';

/**
 * A promoted node, once it holds a manager certificate, joins Raft through the leader (swarmkit's
 * RaftMembership.Join). A manager joining with the manager token is added by IssueNodeCertificate.
 */
export interface RaftMembershipClient extends grpc.Client {
  Join(argument: _shoal_v1_RaftJoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _shoal_v1_RaftJoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _shoal_v1_RaftJoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _shoal_v1_RaftJoinRequest, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_RaftJoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_RaftJoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_RaftJoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _shoal_v1_RaftJoinRequest, callback: grpc.requestCallback<_shoal_v1_RaftJoinResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * A promoted node, once it holds a manager certificate, joins Raft through the leader (swarmkit's
 * RaftMembership.Join). A manager joining with the manager token is added by IssueNodeCertificate.
 */
export interface RaftMembershipHandlers extends grpc.UntypedServiceImplementation {
  Join: grpc.handleUnaryCall<_shoal_v1_RaftJoinRequest__Output, _shoal_v1_RaftJoinResponse>;
  
}

export interface RaftMembershipDefinition extends grpc.ServiceDefinition {
  Join: MethodDefinition<_shoal_v1_RaftJoinRequest, _shoal_v1_RaftJoinResponse, _shoal_v1_RaftJoinRequest__Output, _shoal_v1_RaftJoinResponse__Output>
}
