// Original file: proto/ca.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { IssueNodeCertificateRequest as _shoal_v1_IssueNodeCertificateRequest, IssueNodeCertificateRequest__Output as _shoal_v1_IssueNodeCertificateRequest__Output } from '../../shoal/v1/IssueNodeCertificateRequest.ts';
import type { IssueNodeCertificateResponse as _shoal_v1_IssueNodeCertificateResponse, IssueNodeCertificateResponse__Output as _shoal_v1_IssueNodeCertificateResponse__Output } from '../../shoal/v1/IssueNodeCertificateResponse.ts';
import type { LeaveSwarmRequest as _shoal_v1_LeaveSwarmRequest, LeaveSwarmRequest__Output as _shoal_v1_LeaveSwarmRequest__Output } from '../../shoal/v1/LeaveSwarmRequest.ts';
import type { LeaveSwarmResponse as _shoal_v1_LeaveSwarmResponse, LeaveSwarmResponse__Output as _shoal_v1_LeaveSwarmResponse__Output } from '../../shoal/v1/LeaveSwarmResponse.ts';
import type { NodeCertificateStatusRequest as _shoal_v1_NodeCertificateStatusRequest, NodeCertificateStatusRequest__Output as _shoal_v1_NodeCertificateStatusRequest__Output } from '../../shoal/v1/NodeCertificateStatusRequest.ts';
import type { NodeCertificateStatusResponse as _shoal_v1_NodeCertificateStatusResponse, NodeCertificateStatusResponse__Output as _shoal_v1_NodeCertificateStatusResponse__Output } from '../../shoal/v1/NodeCertificateStatusResponse.ts';

export interface NodeCAClient extends grpc.Client {
  IssueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  IssueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  IssueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  IssueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  issueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  issueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  issueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  issueNodeCertificate(argument: _shoal_v1_IssueNodeCertificateRequest, callback: grpc.requestCallback<_shoal_v1_IssueNodeCertificateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A worker leaving: its node shows Down at once (and stays Down: it sends no more heartbeats) until
   * it is removed.
   */
  LeaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  LeaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  LeaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  LeaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A worker leaving: its node shows Down at once (and stays Down: it sends no more heartbeats) until
   * it is removed.
   */
  leaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  leaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  leaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  leaveSwarm(argument: _shoal_v1_LeaveSwarmRequest, callback: grpc.requestCallback<_shoal_v1_LeaveSwarmResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The node's certificate and role, for anyone (certificates are public); nodes poll it for role changes.
   */
  NodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The node's certificate and role, for anyone (certificates are public); nodes poll it for role changes.
   */
  nodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeCertificateStatus(argument: _shoal_v1_NodeCertificateStatusRequest, callback: grpc.requestCallback<_shoal_v1_NodeCertificateStatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface NodeCAHandlers extends grpc.UntypedServiceImplementation {
  IssueNodeCertificate: grpc.handleUnaryCall<_shoal_v1_IssueNodeCertificateRequest__Output, _shoal_v1_IssueNodeCertificateResponse>;
  
  /**
   * A worker leaving: its node shows Down at once (and stays Down: it sends no more heartbeats) until
   * it is removed.
   */
  LeaveSwarm: grpc.handleUnaryCall<_shoal_v1_LeaveSwarmRequest__Output, _shoal_v1_LeaveSwarmResponse>;
  
  /**
   * The node's certificate and role, for anyone (certificates are public); nodes poll it for role changes.
   */
  NodeCertificateStatus: grpc.handleUnaryCall<_shoal_v1_NodeCertificateStatusRequest__Output, _shoal_v1_NodeCertificateStatusResponse>;
  
}

export interface NodeCADefinition extends grpc.ServiceDefinition {
  IssueNodeCertificate: MethodDefinition<_shoal_v1_IssueNodeCertificateRequest, _shoal_v1_IssueNodeCertificateResponse, _shoal_v1_IssueNodeCertificateRequest__Output, _shoal_v1_IssueNodeCertificateResponse__Output>
  LeaveSwarm: MethodDefinition<_shoal_v1_LeaveSwarmRequest, _shoal_v1_LeaveSwarmResponse, _shoal_v1_LeaveSwarmRequest__Output, _shoal_v1_LeaveSwarmResponse__Output>
  NodeCertificateStatus: MethodDefinition<_shoal_v1_NodeCertificateStatusRequest, _shoal_v1_NodeCertificateStatusResponse, _shoal_v1_NodeCertificateStatusRequest__Output, _shoal_v1_NodeCertificateStatusResponse__Output>
}
