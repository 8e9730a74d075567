import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConfState as _shoal_v1_ConfState, ConfState__Output as _shoal_v1_ConfState__Output } from './shoal/v1/ConfState.ts';
import type { Entry as _shoal_v1_Entry, Entry__Output as _shoal_v1_Entry__Output } from './shoal/v1/Entry.ts';
import type { RaftClient as _shoal_v1_RaftClient, RaftDefinition as _shoal_v1_RaftDefinition } from './shoal/v1/Raft.ts';
import type { RaftAck as _shoal_v1_RaftAck, RaftAck__Output as _shoal_v1_RaftAck__Output } from './shoal/v1/RaftAck.ts';
import type { RaftBatch as _shoal_v1_RaftBatch, RaftBatch__Output as _shoal_v1_RaftBatch__Output } from './shoal/v1/RaftBatch.ts';
import type { RaftMessage as _shoal_v1_RaftMessage, RaftMessage__Output as _shoal_v1_RaftMessage__Output } from './shoal/v1/RaftMessage.ts';
import type { Snapshot as _shoal_v1_Snapshot, Snapshot__Output as _shoal_v1_Snapshot__Output } from './shoal/v1/Snapshot.ts';
import type { SnapshotChunk as _shoal_v1_SnapshotChunk, SnapshotChunk__Output as _shoal_v1_SnapshotChunk__Output } from './shoal/v1/SnapshotChunk.ts';
import type { SnapshotData as _shoal_v1_SnapshotData, SnapshotData__Output as _shoal_v1_SnapshotData__Output } from './shoal/v1/SnapshotData.ts';
import type { SnapshotHeader as _shoal_v1_SnapshotHeader, SnapshotHeader__Output as _shoal_v1_SnapshotHeader__Output } from './shoal/v1/SnapshotHeader.ts';
import type { SnapshotMetadata as _shoal_v1_SnapshotMetadata, SnapshotMetadata__Output as _shoal_v1_SnapshotMetadata__Output } from './shoal/v1/SnapshotMetadata.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  shoal: {
    v1: {
      ConfState: MessageTypeDefinition<_shoal_v1_ConfState, _shoal_v1_ConfState__Output>
      Entry: MessageTypeDefinition<_shoal_v1_Entry, _shoal_v1_Entry__Output>
      EntryType: EnumTypeDefinition
      Raft: SubtypeConstructor<typeof grpc.Client, _shoal_v1_RaftClient> & { service: _shoal_v1_RaftDefinition }
      RaftAck: MessageTypeDefinition<_shoal_v1_RaftAck, _shoal_v1_RaftAck__Output>
      RaftBatch: MessageTypeDefinition<_shoal_v1_RaftBatch, _shoal_v1_RaftBatch__Output>
      RaftMessage: MessageTypeDefinition<_shoal_v1_RaftMessage, _shoal_v1_RaftMessage__Output>
      Snapshot: MessageTypeDefinition<_shoal_v1_Snapshot, _shoal_v1_Snapshot__Output>
      SnapshotChunk: MessageTypeDefinition<_shoal_v1_SnapshotChunk, _shoal_v1_SnapshotChunk__Output>
      SnapshotData: MessageTypeDefinition<_shoal_v1_SnapshotData, _shoal_v1_SnapshotData__Output>
      SnapshotHeader: MessageTypeDefinition<_shoal_v1_SnapshotHeader, _shoal_v1_SnapshotHeader__Output>
      SnapshotMetadata: MessageTypeDefinition<_shoal_v1_SnapshotMetadata, _shoal_v1_SnapshotMetadata__Output>
    }
  }
}

