// Original file: proto/raft.proto

import type { Entry as _shoal_v1_Entry, Entry__Output as _shoal_v1_Entry__Output } from '../../shoal/v1/Entry.ts';
import type { Snapshot as _shoal_v1_Snapshot, Snapshot__Output as _shoal_v1_Snapshot__Output } from '../../shoal/v1/Snapshot.ts';
import type { Long } from '@grpc/proto-loader';

export interface RaftMessage {
  /**
   * server/raft/types.ts MessageType.
   */
  'type'?: (number);
  'to'?: (number | string | Long);
  'from'?: (number | string | Long);
  'term'?: (number | string | Long);
  'logTerm'?: (number | string | Long);
  'index'?: (number | string | Long);
  'entries'?: (_shoal_v1_Entry)[];
  'commit'?: (number | string | Long);
  'reject'?: (boolean);
  'rejectHint'?: (number | string | Long);
  'snapshot'?: (_shoal_v1_Snapshot | null);
  /**
   * Absent and empty differ (a ReadIndex context may be empty), hence optional.
   */
  'context'?: (string);
  '_context'?: "context";
}

export interface RaftMessage__Output {
  /**
   * server/raft/types.ts MessageType.
   */
  'type': (number);
  'to': (number);
  'from': (number);
  'term': (number);
  'logTerm': (number);
  'index': (number);
  'entries': (_shoal_v1_Entry__Output)[];
  'commit': (number);
  'reject': (boolean);
  'rejectHint': (number);
  'snapshot': (_shoal_v1_Snapshot__Output | null);
  /**
   * Absent and empty differ (a ReadIndex context may be empty), hence optional.
   */
  'context'?: (string);
  '_context'?: "context";
}
