// Original file: proto/resource.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AttachNetworkRequest as _shoal_v1_AttachNetworkRequest, AttachNetworkRequest__Output as _shoal_v1_AttachNetworkRequest__Output } from '../../shoal/v1/AttachNetworkRequest.ts';
import type { AttachNetworkResponse as _shoal_v1_AttachNetworkResponse, AttachNetworkResponse__Output as _shoal_v1_AttachNetworkResponse__Output } from '../../shoal/v1/AttachNetworkResponse.ts';
import type { DetachNetworkRequest as _shoal_v1_DetachNetworkRequest, DetachNetworkRequest__Output as _shoal_v1_DetachNetworkRequest__Output } from '../../shoal/v1/DetachNetworkRequest.ts';
import type { DetachNetworkResponse as _shoal_v1_DetachNetworkResponse, DetachNetworkResponse__Output as _shoal_v1_DetachNetworkResponse__Output } from '../../shoal/v1/DetachNetworkResponse.ts';

export interface ResourceAllocatorClient extends grpc.Client {
  AttachNetwork(argument: _shoal_v1_AttachNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  AttachNetwork(argument: _shoal_v1_AttachNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  AttachNetwork(argument: _shoal_v1_AttachNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  AttachNetwork(argument: _shoal_v1_AttachNetworkRequest, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  attachNetwork(argument: _shoal_v1_AttachNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  attachNetwork(argument: _shoal_v1_AttachNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  attachNetwork(argument: _shoal_v1_AttachNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  attachNetwork(argument: _shoal_v1_AttachNetworkRequest, callback: grpc.requestCallback<_shoal_v1_AttachNetworkResponse__Output>): grpc.ClientUnaryCall;
  
  DetachNetwork(argument: _shoal_v1_DetachNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  DetachNetwork(argument: _shoal_v1_DetachNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  DetachNetwork(argument: _shoal_v1_DetachNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  DetachNetwork(argument: _shoal_v1_DetachNetworkRequest, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  detachNetwork(argument: _shoal_v1_DetachNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  detachNetwork(argument: _shoal_v1_DetachNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  detachNetwork(argument: _shoal_v1_DetachNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  detachNetwork(argument: _shoal_v1_DetachNetworkRequest, callback: grpc.requestCallback<_shoal_v1_DetachNetworkResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ResourceAllocatorHandlers extends grpc.UntypedServiceImplementation {
  AttachNetwork: grpc.handleUnaryCall<_shoal_v1_AttachNetworkRequest__Output, _shoal_v1_AttachNetworkResponse>;
  
  DetachNetwork: grpc.handleUnaryCall<_shoal_v1_DetachNetworkRequest__Output, _shoal_v1_DetachNetworkResponse>;
  
}

export interface ResourceAllocatorDefinition extends grpc.ServiceDefinition {
  AttachNetwork: MethodDefinition<_shoal_v1_AttachNetworkRequest, _shoal_v1_AttachNetworkResponse, _shoal_v1_AttachNetworkRequest__Output, _shoal_v1_AttachNetworkResponse__Output>
  DetachNetwork: MethodDefinition<_shoal_v1_DetachNetworkRequest, _shoal_v1_DetachNetworkResponse, _shoal_v1_DetachNetworkRequest__Output, _shoal_v1_DetachNetworkResponse__Output>
}
