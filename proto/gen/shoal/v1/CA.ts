// Original file: proto/ca.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetRootCACertificateRequest as _shoal_v1_GetRootCACertificateRequest, GetRootCACertificateRequest__Output as _shoal_v1_GetRootCACertificateRequest__Output } from '../../shoal/v1/GetRootCACertificateRequest.ts';
import type { GetRootCACertificateResponse as _shoal_v1_GetRootCACertificateResponse, GetRootCACertificateResponse__Output as _shoal_v1_GetRootCACertificateResponse__Output } from '../../shoal/v1/GetRootCACertificateResponse.ts';

export interface CAClient extends grpc.Client {
  GetRootCACertificate(argument: _shoal_v1_GetRootCACertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  GetRootCACertificate(argument: _shoal_v1_GetRootCACertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  GetRootCACertificate(argument: _shoal_v1_GetRootCACertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  GetRootCACertificate(argument: _shoal_v1_GetRootCACertificateRequest, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  getRootCaCertificate(argument: _shoal_v1_GetRootCACertificateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  getRootCaCertificate(argument: _shoal_v1_GetRootCACertificateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  getRootCaCertificate(argument: _shoal_v1_GetRootCACertificateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  getRootCaCertificate(argument: _shoal_v1_GetRootCACertificateRequest, callback: grpc.requestCallback<_shoal_v1_GetRootCACertificateResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface CAHandlers extends grpc.UntypedServiceImplementation {
  GetRootCACertificate: grpc.handleUnaryCall<_shoal_v1_GetRootCACertificateRequest__Output, _shoal_v1_GetRootCACertificateResponse>;
  
}

export interface CADefinition extends grpc.ServiceDefinition {
  GetRootCACertificate: MethodDefinition<_shoal_v1_GetRootCACertificateRequest, _shoal_v1_GetRootCACertificateResponse, _shoal_v1_GetRootCACertificateRequest__Output, _shoal_v1_GetRootCACertificateResponse__Output>
}
