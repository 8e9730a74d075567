/** What the managers answer this node (NodeCA, RaftMembership), as the loader delivers it (ca.proto). */
import type { IssueNodeCertificateResponse__Output } from '../proto/gen/shoal/v1/IssueNodeCertificateResponse.ts';
import type { NodeCertificateStatusResponse__Output } from '../proto/gen/shoal/v1/NodeCertificateStatusResponse.ts';
import type { RaftJoinResponse__Output } from '../proto/gen/shoal/v1/RaftJoinResponse.ts';

export type StatusResponse = NodeCertificateStatusResponse__Output;
export type IssueResponse = IssueNodeCertificateResponse__Output;
export type RaftJoinResponse = RaftJoinResponse__Output;
