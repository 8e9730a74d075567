/**
 * Shorter names of Dispatcher messages as proto-loader delivers them (proto/gen/, generated from
 * proto/dispatcher.proto), shared by the manager's dispatcher and the agent's session. Tasks and nodes
 * travel in the Control API's shapes (one wire shape per object).
 */
import type { WireTask } from './control-types.ts';
import type { AssignmentChange__Output } from './gen/shoal/v1/AssignmentChange.ts';
import type { AssignmentsMessage__Output } from './gen/shoal/v1/AssignmentsMessage.ts';
import type { AssignmentsRequest__Output } from './gen/shoal/v1/AssignmentsRequest.ts';
import type { HeartbeatRequest__Output } from './gen/shoal/v1/HeartbeatRequest.ts';
import type { HeartbeatResponse__Output } from './gen/shoal/v1/HeartbeatResponse.ts';
import type { NetworkView__Output } from './gen/shoal/v1/NetworkView.ts';
import type { NetworkViewDelta__Output } from './gen/shoal/v1/NetworkViewDelta.ts';
import type { SessionMessage__Output } from './gen/shoal/v1/SessionMessage.ts';
import type { SessionRequest__Output } from './gen/shoal/v1/SessionRequest.ts';
import type { TaskStatusUpdate__Output } from './gen/shoal/v1/TaskStatusUpdate.ts';
import type { UpdateTaskStatusRequest__Output } from './gen/shoal/v1/UpdateTaskStatusRequest.ts';
import type { ViewEndpoint__Output } from './gen/shoal/v1/ViewEndpoint.ts';
import type { ViewEndpointKey__Output } from './gen/shoal/v1/ViewEndpointKey.ts';
import type { ViewNetwork__Output } from './gen/shoal/v1/ViewNetwork.ts';
import type { ViewNode__Output } from './gen/shoal/v1/ViewNode.ts';
import type { ViewService__Output } from './gen/shoal/v1/ViewService.ts';

/** Metadata key of a follower's refusal of a session: the leader's manager address (host:port). */
export const LEADER_ADDR_METADATA = 'shoal-leader-addr';

export type WireSessionRequest = SessionRequest__Output;
export type WireSessionMessage = SessionMessage__Output;
export type WireHeartbeatRequest = HeartbeatRequest__Output;
export type WireHeartbeatResponse = HeartbeatResponse__Output;
export type WireAssignmentsRequest = AssignmentsRequest__Output;
/** Its task in the Control API's shape (status and spec always set). */
export type WireAssignmentChange = Omit<AssignmentChange__Output, 'task'> & { task: WireTask | null };
export type WireAssignmentsMessage = Omit<AssignmentsMessage__Output, 'changes'> & {
  changes: WireAssignmentChange[];
};
export type ViewEndpointKey = ViewEndpointKey__Output;
export type WireNetworkViewDelta = NetworkViewDelta__Output;
export type ViewNetwork = ViewNetwork__Output;
export type ViewNode = ViewNode__Output;
export type ViewService = ViewService__Output;
export type ViewEndpoint = ViewEndpoint__Output;
export type NetworkView = NetworkView__Output;
export type WireTaskStatusUpdate = TaskStatusUpdate__Output;
export type WireUpdateTaskStatusRequest = UpdateTaskStatusRequest__Output;
