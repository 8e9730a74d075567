// Original file: proto/raft.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { RaftAck as _shoal_v1_RaftAck, RaftAck__Output as _shoal_v1_RaftAck__Output } from '../../shoal/v1/RaftAck.ts';
import type { RaftBatch as _shoal_v1_RaftBatch, RaftBatch__Output as _shoal_v1_RaftBatch__Output } from '../../shoal/v1/RaftBatch.ts';
import type { SnapshotChunk as _shoal_v1_SnapshotChunk, SnapshotChunk__Output as _shoal_v1_SnapshotChunk__Output } from '../../shoal/v1/SnapshotChunk.ts';

export interface RaftClient extends grpc.Client {
  /**
   * One call per MsgSnap (swarmkit's StreamRaftMessage): the receiver reassembles and validates the
   * chunks, steps the whole message and acks; the sender reports the outcome to Raft.
   */
  Snapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  Snapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  Snapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  Snapshot(callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  /**
   * One call per MsgSnap (swarmkit's StreamRaftMessage): the receiver reassembles and validates the
   * chunks, steps the whole message and acks; the sender reports the outcome to Raft.
   */
  snapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  snapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  snapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  snapshot(callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_SnapshotChunk>;
  
  /**
   * A long-lived stream per peer pair; the sender writes batches, the receiver steps them in order.
   * Every message but MsgSnap travels here.
   */
  Stream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  Stream(metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  Stream(options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  Stream(callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  /**
   * A long-lived stream per peer pair; the sender writes batches, the receiver steps them in order.
   * Every message but MsgSnap travels here.
   */
  stream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  stream(metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  stream(options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  stream(callback: grpc.requestCallback<_shoal_v1_RaftAck__Output>): grpc.ClientWritableStream<_shoal_v1_RaftBatch>;
  
}

export interface RaftHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One call per MsgSnap (swarmkit's StreamRaftMessage): the receiver reassembles and validates the
   * chunks, steps the whole message and acks; the sender reports the outcome to Raft.
   */
  Snapshot: grpc.handleClientStreamingCall<_shoal_v1_SnapshotChunk__Output, _shoal_v1_RaftAck>;
  
  /**
   * A long-lived stream per peer pair; the sender writes batches, the receiver steps them in order.
   * Every message but MsgSnap travels here.
   */
  Stream: grpc.handleClientStreamingCall<_shoal_v1_RaftBatch__Output, _shoal_v1_RaftAck>;
  
}

export interface RaftDefinition extends grpc.ServiceDefinition {
  Snapshot: MethodDefinition<_shoal_v1_SnapshotChunk, _shoal_v1_RaftAck, _shoal_v1_SnapshotChunk__Output, _shoal_v1_RaftAck__Output>
  Stream: MethodDefinition<_shoal_v1_RaftBatch, _shoal_v1_RaftAck, _shoal_v1_RaftBatch__Output, _shoal_v1_RaftAck__Output>
}
