import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CAClient as _shoal_v1_CAClient, CADefinition as _shoal_v1_CADefinition } from './shoal/v1/CA.ts';
import type { GetRootCACertificateRequest as _shoal_v1_GetRootCACertificateRequest, GetRootCACertificateRequest__Output as _shoal_v1_GetRootCACertificateRequest__Output } from './shoal/v1/GetRootCACertificateRequest.ts';
import type { GetRootCACertificateResponse as _shoal_v1_GetRootCACertificateResponse, GetRootCACertificateResponse__Output as _shoal_v1_GetRootCACertificateResponse__Output } from './shoal/v1/GetRootCACertificateResponse.ts';
import type { IssueNodeCertificateRequest as _shoal_v1_IssueNodeCertificateRequest, IssueNodeCertificateRequest__Output as _shoal_v1_IssueNodeCertificateRequest__Output } from './shoal/v1/IssueNodeCertificateRequest.ts';
import type { IssueNodeCertificateResponse as _shoal_v1_IssueNodeCertificateResponse, IssueNodeCertificateResponse__Output as _shoal_v1_IssueNodeCertificateResponse__Output } from './shoal/v1/IssueNodeCertificateResponse.ts';
import type { LeaveSwarmRequest as _shoal_v1_LeaveSwarmRequest, LeaveSwarmRequest__Output as _shoal_v1_LeaveSwarmRequest__Output } from './shoal/v1/LeaveSwarmRequest.ts';
import type { LeaveSwarmResponse as _shoal_v1_LeaveSwarmResponse, LeaveSwarmResponse__Output as _shoal_v1_LeaveSwarmResponse__Output } from './shoal/v1/LeaveSwarmResponse.ts';
import type { NodeCAClient as _shoal_v1_NodeCAClient, NodeCADefinition as _shoal_v1_NodeCADefinition } from './shoal/v1/NodeCA.ts';
import type { NodeCertificateStatusRequest as _shoal_v1_NodeCertificateStatusRequest, NodeCertificateStatusRequest__Output as _shoal_v1_NodeCertificateStatusRequest__Output } from './shoal/v1/NodeCertificateStatusRequest.ts';
import type { NodeCertificateStatusResponse as _shoal_v1_NodeCertificateStatusResponse, NodeCertificateStatusResponse__Output as _shoal_v1_NodeCertificateStatusResponse__Output } from './shoal/v1/NodeCertificateStatusResponse.ts';
import type { RaftJoinRequest as _shoal_v1_RaftJoinRequest, RaftJoinRequest__Output as _shoal_v1_RaftJoinRequest__Output } from './shoal/v1/RaftJoinRequest.ts';
import type { RaftJoinResponse as _shoal_v1_RaftJoinResponse, RaftJoinResponse__Output as _shoal_v1_RaftJoinResponse__Output } from './shoal/v1/RaftJoinResponse.ts';
import type { RaftMember as _shoal_v1_RaftMember, RaftMember__Output as _shoal_v1_RaftMember__Output } from './shoal/v1/RaftMember.ts';
import type { RaftMembershipClient as _shoal_v1_RaftMembershipClient, RaftMembershipDefinition as _shoal_v1_RaftMembershipDefinition } from './shoal/v1/RaftMembership.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  shoal: {
    v1: {
      CA: SubtypeConstructor<typeof grpc.Client, _shoal_v1_CAClient> & { service: _shoal_v1_CADefinition }
      GetRootCACertificateRequest: MessageTypeDefinition<_shoal_v1_GetRootCACertificateRequest, _shoal_v1_GetRootCACertificateRequest__Output>
      GetRootCACertificateResponse: MessageTypeDefinition<_shoal_v1_GetRootCACertificateResponse, _shoal_v1_GetRootCACertificateResponse__Output>
      IssueNodeCertificateRequest: MessageTypeDefinition<_shoal_v1_IssueNodeCertificateRequest, _shoal_v1_IssueNodeCertificateRequest__Output>
      IssueNodeCertificateResponse: MessageTypeDefinition<_shoal_v1_IssueNodeCertificateResponse, _shoal_v1_IssueNodeCertificateResponse__Output>
      LeaveSwarmRequest: MessageTypeDefinition<_shoal_v1_LeaveSwarmRequest, _shoal_v1_LeaveSwarmRequest__Output>
      LeaveSwarmResponse: MessageTypeDefinition<_shoal_v1_LeaveSwarmResponse, _shoal_v1_LeaveSwarmResponse__Output>
      NodeCA: SubtypeConstructor<typeof grpc.Client, _shoal_v1_NodeCAClient> & { service: _shoal_v1_NodeCADefinition }
      NodeCertificateStatusRequest: MessageTypeDefinition<_shoal_v1_NodeCertificateStatusRequest, _shoal_v1_NodeCertificateStatusRequest__Output>
      NodeCertificateStatusResponse: MessageTypeDefinition<_shoal_v1_NodeCertificateStatusResponse, _shoal_v1_NodeCertificateStatusResponse__Output>
      RaftJoinRequest: MessageTypeDefinition<_shoal_v1_RaftJoinRequest, _shoal_v1_RaftJoinRequest__Output>
      RaftJoinResponse: MessageTypeDefinition<_shoal_v1_RaftJoinResponse, _shoal_v1_RaftJoinResponse__Output>
      RaftMember: MessageTypeDefinition<_shoal_v1_RaftMember, _shoal_v1_RaftMember__Output>
      /**
       * A promoted node, once it holds a manager certificate, joins Raft through the leader (swarmkit's
       * RaftMembership.Join). A manager joining with the manager token is added by IssueNodeCertificate.
       */
      RaftMembership: SubtypeConstructor<typeof grpc.Client, _shoal_v1_RaftMembershipClient> & { service: _shoal_v1_RaftMembershipDefinition }
    }
  }
}

