import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ExecOutput as _shoal_v1_ExecOutput, ExecOutput__Output as _shoal_v1_ExecOutput__Output } from './shoal/v1/ExecOutput.ts';
import type { ExecRequest as _shoal_v1_ExecRequest, ExecRequest__Output as _shoal_v1_ExecRequest__Output } from './shoal/v1/ExecRequest.ts';
import type { LocalTasksClient as _shoal_v1_LocalTasksClient, LocalTasksDefinition as _shoal_v1_LocalTasksDefinition } from './shoal/v1/LocalTasks.ts';
import type { RunRequest as _shoal_v1_RunRequest, RunRequest__Output as _shoal_v1_RunRequest__Output } from './shoal/v1/RunRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  shoal: {
    v1: {
      ExecOutput: MessageTypeDefinition<_shoal_v1_ExecOutput, _shoal_v1_ExecOutput__Output>
      ExecRequest: MessageTypeDefinition<_shoal_v1_ExecRequest, _shoal_v1_ExecRequest__Output>
      LocalTasks: SubtypeConstructor<typeof grpc.Client, _shoal_v1_LocalTasksClient> & { service: _shoal_v1_LocalTasksDefinition }
      RunRequest: MessageTypeDefinition<_shoal_v1_RunRequest, _shoal_v1_RunRequest__Output>
    }
  }
}

