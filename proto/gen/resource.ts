import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AttachNetworkRequest as _shoal_v1_AttachNetworkRequest, AttachNetworkRequest__Output as _shoal_v1_AttachNetworkRequest__Output } from './shoal/v1/AttachNetworkRequest.ts';
import type { AttachNetworkResponse as _shoal_v1_AttachNetworkResponse, AttachNetworkResponse__Output as _shoal_v1_AttachNetworkResponse__Output } from './shoal/v1/AttachNetworkResponse.ts';
import type { DetachNetworkRequest as _shoal_v1_DetachNetworkRequest, DetachNetworkRequest__Output as _shoal_v1_DetachNetworkRequest__Output } from './shoal/v1/DetachNetworkRequest.ts';
import type { DetachNetworkResponse as _shoal_v1_DetachNetworkResponse, DetachNetworkResponse__Output as _shoal_v1_DetachNetworkResponse__Output } from './shoal/v1/DetachNetworkResponse.ts';
import type { ResourceAllocatorClient as _shoal_v1_ResourceAllocatorClient, ResourceAllocatorDefinition as _shoal_v1_ResourceAllocatorDefinition } from './shoal/v1/ResourceAllocator.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  shoal: {
    v1: {
      AttachNetworkRequest: MessageTypeDefinition<_shoal_v1_AttachNetworkRequest, _shoal_v1_AttachNetworkRequest__Output>
      AttachNetworkResponse: MessageTypeDefinition<_shoal_v1_AttachNetworkResponse, _shoal_v1_AttachNetworkResponse__Output>
      DetachNetworkRequest: MessageTypeDefinition<_shoal_v1_DetachNetworkRequest, _shoal_v1_DetachNetworkRequest__Output>
      DetachNetworkResponse: MessageTypeDefinition<_shoal_v1_DetachNetworkResponse, _shoal_v1_DetachNetworkResponse__Output>
      ResourceAllocator: SubtypeConstructor<typeof grpc.Client, _shoal_v1_ResourceAllocatorClient> & { service: _shoal_v1_ResourceAllocatorDefinition }
    }
  }
}

