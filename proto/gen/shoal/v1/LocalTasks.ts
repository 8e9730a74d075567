// Original file: proto/local.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ExecOutput as _shoal_v1_ExecOutput, ExecOutput__Output as _shoal_v1_ExecOutput__Output } from '../../shoal/v1/ExecOutput.ts';
import type { ExecRequest as _shoal_v1_ExecRequest, ExecRequest__Output as _shoal_v1_ExecRequest__Output } from '../../shoal/v1/ExecRequest.ts';
import type { RunRequest as _shoal_v1_RunRequest, RunRequest__Output as _shoal_v1_RunRequest__Output } from '../../shoal/v1/RunRequest.ts';

export interface LocalTasksClient extends grpc.Client {
  Exec(argument: _shoal_v1_ExecRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  Exec(argument: _shoal_v1_ExecRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  exec(argument: _shoal_v1_ExecRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  exec(argument: _shoal_v1_ExecRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  
  Run(argument: _shoal_v1_RunRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  Run(argument: _shoal_v1_RunRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  run(argument: _shoal_v1_RunRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  run(argument: _shoal_v1_RunRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_shoal_v1_ExecOutput__Output>;
  
}

export interface LocalTasksHandlers extends grpc.UntypedServiceImplementation {
  Exec: grpc.handleServerStreamingCall<_shoal_v1_ExecRequest__Output, _shoal_v1_ExecOutput>;
  
  Run: grpc.handleServerStreamingCall<_shoal_v1_RunRequest__Output, _shoal_v1_ExecOutput>;
  
}

export interface LocalTasksDefinition extends grpc.ServiceDefinition {
  Exec: MethodDefinition<_shoal_v1_ExecRequest, _shoal_v1_ExecOutput, _shoal_v1_ExecRequest__Output, _shoal_v1_ExecOutput__Output>
  Run: MethodDefinition<_shoal_v1_RunRequest, _shoal_v1_ExecOutput, _shoal_v1_RunRequest__Output, _shoal_v1_ExecOutput__Output>
}
