/**
 * Shapes of Dispatcher messages (proto/dispatcher.proto) as proto-loader delivers them (longs as numbers),
 * shared by the manager's dispatcher and the agent's session. Tasks and nodes travel in the Control API's
 * shapes (one wire shape per object).
 */
import type { WireNode, WireTask, WireTaskStatus } from './control-types.ts';

/** Metadata key of a follower's refusal of a session: the leader's manager address (host:port). */
export const LEADER_ADDR_METADATA = 'shoal-leader-addr';

export interface WireSessionRequest {
  hostname: string;
}

export interface WireSessionMessage {
  sessionId: string;
  node: WireNode | null;
  managers: string[];
  heartbeatPeriodMs: number;
}

export interface WireHeartbeatRequest {
  sessionId: string;
}

export interface WireHeartbeatResponse {
  periodMs: number;
}

export interface WireAssignmentsRequest {
  sessionId: string;
}

export type AssignmentAction = 'update' | 'remove';

export interface WireAssignmentChange {
  action: AssignmentAction;
  task: WireTask | null;
}

export type AssignmentsType = 'complete' | 'incremental';

export interface WireAssignmentsMessage {
  type: AssignmentsType;
  /** 0 for a complete set; otherwise the previous message's `resultsIn`. */
  appliesTo: number;
  resultsIn: number;
  changes: WireAssignmentChange[];
}

export interface WireTaskStatusUpdate {
  taskId: string;
  status: WireTaskStatus | null;
}

export interface WireUpdateTaskStatusRequest {
  sessionId: string;
  updates: WireTaskStatusUpdate[];
}
