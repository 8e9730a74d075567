import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AssignmentChange as _shoal_v1_AssignmentChange, AssignmentChange__Output as _shoal_v1_AssignmentChange__Output } from './shoal/v1/AssignmentChange.ts';
import type { AssignmentsMessage as _shoal_v1_AssignmentsMessage, AssignmentsMessage__Output as _shoal_v1_AssignmentsMessage__Output } from './shoal/v1/AssignmentsMessage.ts';
import type { AssignmentsRequest as _shoal_v1_AssignmentsRequest, AssignmentsRequest__Output as _shoal_v1_AssignmentsRequest__Output } from './shoal/v1/AssignmentsRequest.ts';
import type { Cluster as _shoal_v1_Cluster, Cluster__Output as _shoal_v1_Cluster__Output } from './shoal/v1/Cluster.ts';
import type { Config as _shoal_v1_Config, Config__Output as _shoal_v1_Config__Output } from './shoal/v1/Config.ts';
import type { ControlClient as _shoal_v1_ControlClient, ControlDefinition as _shoal_v1_ControlDefinition } from './shoal/v1/Control.ts';
import type { CreateConfigRequest as _shoal_v1_CreateConfigRequest, CreateConfigRequest__Output as _shoal_v1_CreateConfigRequest__Output } from './shoal/v1/CreateConfigRequest.ts';
import type { CreateConfigResponse as _shoal_v1_CreateConfigResponse, CreateConfigResponse__Output as _shoal_v1_CreateConfigResponse__Output } from './shoal/v1/CreateConfigResponse.ts';
import type { CreateNetworkRequest as _shoal_v1_CreateNetworkRequest, CreateNetworkRequest__Output as _shoal_v1_CreateNetworkRequest__Output } from './shoal/v1/CreateNetworkRequest.ts';
import type { CreateNetworkResponse as _shoal_v1_CreateNetworkResponse, CreateNetworkResponse__Output as _shoal_v1_CreateNetworkResponse__Output } from './shoal/v1/CreateNetworkResponse.ts';
import type { CreateServiceRequest as _shoal_v1_CreateServiceRequest, CreateServiceRequest__Output as _shoal_v1_CreateServiceRequest__Output } from './shoal/v1/CreateServiceRequest.ts';
import type { CreateServiceResponse as _shoal_v1_CreateServiceResponse, CreateServiceResponse__Output as _shoal_v1_CreateServiceResponse__Output } from './shoal/v1/CreateServiceResponse.ts';
import type { DispatcherClient as _shoal_v1_DispatcherClient, DispatcherDefinition as _shoal_v1_DispatcherDefinition } from './shoal/v1/Dispatcher.ts';
import type { Endpoint as _shoal_v1_Endpoint, Endpoint__Output as _shoal_v1_Endpoint__Output } from './shoal/v1/Endpoint.ts';
import type { EndpointSpec as _shoal_v1_EndpointSpec, EndpointSpec__Output as _shoal_v1_EndpointSpec__Output } from './shoal/v1/EndpointSpec.ts';
import type { GetClusterRequest as _shoal_v1_GetClusterRequest, GetClusterRequest__Output as _shoal_v1_GetClusterRequest__Output } from './shoal/v1/GetClusterRequest.ts';
import type { GetClusterResponse as _shoal_v1_GetClusterResponse, GetClusterResponse__Output as _shoal_v1_GetClusterResponse__Output } from './shoal/v1/GetClusterResponse.ts';
import type { GetNetworkRequest as _shoal_v1_GetNetworkRequest, GetNetworkRequest__Output as _shoal_v1_GetNetworkRequest__Output } from './shoal/v1/GetNetworkRequest.ts';
import type { GetNetworkResponse as _shoal_v1_GetNetworkResponse, GetNetworkResponse__Output as _shoal_v1_GetNetworkResponse__Output } from './shoal/v1/GetNetworkResponse.ts';
import type { GetNodeRequest as _shoal_v1_GetNodeRequest, GetNodeRequest__Output as _shoal_v1_GetNodeRequest__Output } from './shoal/v1/GetNodeRequest.ts';
import type { GetNodeResponse as _shoal_v1_GetNodeResponse, GetNodeResponse__Output as _shoal_v1_GetNodeResponse__Output } from './shoal/v1/GetNodeResponse.ts';
import type { GetServiceRequest as _shoal_v1_GetServiceRequest, GetServiceRequest__Output as _shoal_v1_GetServiceRequest__Output } from './shoal/v1/GetServiceRequest.ts';
import type { GetServiceResponse as _shoal_v1_GetServiceResponse, GetServiceResponse__Output as _shoal_v1_GetServiceResponse__Output } from './shoal/v1/GetServiceResponse.ts';
import type { GetTaskRequest as _shoal_v1_GetTaskRequest, GetTaskRequest__Output as _shoal_v1_GetTaskRequest__Output } from './shoal/v1/GetTaskRequest.ts';
import type { GetTaskResponse as _shoal_v1_GetTaskResponse, GetTaskResponse__Output as _shoal_v1_GetTaskResponse__Output } from './shoal/v1/GetTaskResponse.ts';
import type { HeartbeatRequest as _shoal_v1_HeartbeatRequest, HeartbeatRequest__Output as _shoal_v1_HeartbeatRequest__Output } from './shoal/v1/HeartbeatRequest.ts';
import type { HeartbeatResponse as _shoal_v1_HeartbeatResponse, HeartbeatResponse__Output as _shoal_v1_HeartbeatResponse__Output } from './shoal/v1/HeartbeatResponse.ts';
import type { HeldNetwork as _shoal_v1_HeldNetwork, HeldNetwork__Output as _shoal_v1_HeldNetwork__Output } from './shoal/v1/HeldNetwork.ts';
import type { InfoRequest as _shoal_v1_InfoRequest, InfoRequest__Output as _shoal_v1_InfoRequest__Output } from './shoal/v1/InfoRequest.ts';
import type { InfoResponse as _shoal_v1_InfoResponse, InfoResponse__Output as _shoal_v1_InfoResponse__Output } from './shoal/v1/InfoResponse.ts';
import type { InitRequest as _shoal_v1_InitRequest, InitRequest__Output as _shoal_v1_InitRequest__Output } from './shoal/v1/InitRequest.ts';
import type { InitResponse as _shoal_v1_InitResponse, InitResponse__Output as _shoal_v1_InitResponse__Output } from './shoal/v1/InitResponse.ts';
import type { JoinRequest as _shoal_v1_JoinRequest, JoinRequest__Output as _shoal_v1_JoinRequest__Output } from './shoal/v1/JoinRequest.ts';
import type { JoinResponse as _shoal_v1_JoinResponse, JoinResponse__Output as _shoal_v1_JoinResponse__Output } from './shoal/v1/JoinResponse.ts';
import type { LeaveRequest as _shoal_v1_LeaveRequest, LeaveRequest__Output as _shoal_v1_LeaveRequest__Output } from './shoal/v1/LeaveRequest.ts';
import type { LeaveResponse as _shoal_v1_LeaveResponse, LeaveResponse__Output as _shoal_v1_LeaveResponse__Output } from './shoal/v1/LeaveResponse.ts';
import type { ListConfigsRequest as _shoal_v1_ListConfigsRequest, ListConfigsRequest__Output as _shoal_v1_ListConfigsRequest__Output } from './shoal/v1/ListConfigsRequest.ts';
import type { ListConfigsResponse as _shoal_v1_ListConfigsResponse, ListConfigsResponse__Output as _shoal_v1_ListConfigsResponse__Output } from './shoal/v1/ListConfigsResponse.ts';
import type { ListNetworksRequest as _shoal_v1_ListNetworksRequest, ListNetworksRequest__Output as _shoal_v1_ListNetworksRequest__Output } from './shoal/v1/ListNetworksRequest.ts';
import type { ListNetworksResponse as _shoal_v1_ListNetworksResponse, ListNetworksResponse__Output as _shoal_v1_ListNetworksResponse__Output } from './shoal/v1/ListNetworksResponse.ts';
import type { ListNodesRequest as _shoal_v1_ListNodesRequest, ListNodesRequest__Output as _shoal_v1_ListNodesRequest__Output } from './shoal/v1/ListNodesRequest.ts';
import type { ListNodesResponse as _shoal_v1_ListNodesResponse, ListNodesResponse__Output as _shoal_v1_ListNodesResponse__Output } from './shoal/v1/ListNodesResponse.ts';
import type { ListServicesRequest as _shoal_v1_ListServicesRequest, ListServicesRequest__Output as _shoal_v1_ListServicesRequest__Output } from './shoal/v1/ListServicesRequest.ts';
import type { ListServicesResponse as _shoal_v1_ListServicesResponse, ListServicesResponse__Output as _shoal_v1_ListServicesResponse__Output } from './shoal/v1/ListServicesResponse.ts';
import type { ListTasksRequest as _shoal_v1_ListTasksRequest, ListTasksRequest__Output as _shoal_v1_ListTasksRequest__Output } from './shoal/v1/ListTasksRequest.ts';
import type { ListTasksResponse as _shoal_v1_ListTasksResponse, ListTasksResponse__Output as _shoal_v1_ListTasksResponse__Output } from './shoal/v1/ListTasksResponse.ts';
import type { Network as _shoal_v1_Network, Network__Output as _shoal_v1_Network__Output } from './shoal/v1/Network.ts';
import type { NetworkAllocation as _shoal_v1_NetworkAllocation, NetworkAllocation__Output as _shoal_v1_NetworkAllocation__Output } from './shoal/v1/NetworkAllocation.ts';
import type { NetworkAttachment as _shoal_v1_NetworkAttachment, NetworkAttachment__Output as _shoal_v1_NetworkAttachment__Output } from './shoal/v1/NetworkAttachment.ts';
import type { NetworkSpec as _shoal_v1_NetworkSpec, NetworkSpec__Output as _shoal_v1_NetworkSpec__Output } from './shoal/v1/NetworkSpec.ts';
import type { NetworkView as _shoal_v1_NetworkView, NetworkView__Output as _shoal_v1_NetworkView__Output } from './shoal/v1/NetworkView.ts';
import type { NetworkViewDelta as _shoal_v1_NetworkViewDelta, NetworkViewDelta__Output as _shoal_v1_NetworkViewDelta__Output } from './shoal/v1/NetworkViewDelta.ts';
import type { Node as _shoal_v1_Node, Node__Output as _shoal_v1_Node__Output } from './shoal/v1/Node.ts';
import type { PortConfig as _shoal_v1_PortConfig, PortConfig__Output as _shoal_v1_PortConfig__Output } from './shoal/v1/PortConfig.ts';
import type { RemoveConfigRequest as _shoal_v1_RemoveConfigRequest, RemoveConfigRequest__Output as _shoal_v1_RemoveConfigRequest__Output } from './shoal/v1/RemoveConfigRequest.ts';
import type { RemoveConfigResponse as _shoal_v1_RemoveConfigResponse, RemoveConfigResponse__Output as _shoal_v1_RemoveConfigResponse__Output } from './shoal/v1/RemoveConfigResponse.ts';
import type { RemoveNetworkRequest as _shoal_v1_RemoveNetworkRequest, RemoveNetworkRequest__Output as _shoal_v1_RemoveNetworkRequest__Output } from './shoal/v1/RemoveNetworkRequest.ts';
import type { RemoveNetworkResponse as _shoal_v1_RemoveNetworkResponse, RemoveNetworkResponse__Output as _shoal_v1_RemoveNetworkResponse__Output } from './shoal/v1/RemoveNetworkResponse.ts';
import type { RemoveNodeRequest as _shoal_v1_RemoveNodeRequest, RemoveNodeRequest__Output as _shoal_v1_RemoveNodeRequest__Output } from './shoal/v1/RemoveNodeRequest.ts';
import type { RemoveNodeResponse as _shoal_v1_RemoveNodeResponse, RemoveNodeResponse__Output as _shoal_v1_RemoveNodeResponse__Output } from './shoal/v1/RemoveNodeResponse.ts';
import type { RemoveServiceRequest as _shoal_v1_RemoveServiceRequest, RemoveServiceRequest__Output as _shoal_v1_RemoveServiceRequest__Output } from './shoal/v1/RemoveServiceRequest.ts';
import type { RemoveServiceResponse as _shoal_v1_RemoveServiceResponse, RemoveServiceResponse__Output as _shoal_v1_RemoveServiceResponse__Output } from './shoal/v1/RemoveServiceResponse.ts';
import type { RestartPolicy as _shoal_v1_RestartPolicy, RestartPolicy__Output as _shoal_v1_RestartPolicy__Output } from './shoal/v1/RestartPolicy.ts';
import type { RotateJoinTokenRequest as _shoal_v1_RotateJoinTokenRequest, RotateJoinTokenRequest__Output as _shoal_v1_RotateJoinTokenRequest__Output } from './shoal/v1/RotateJoinTokenRequest.ts';
import type { RotateJoinTokenResponse as _shoal_v1_RotateJoinTokenResponse, RotateJoinTokenResponse__Output as _shoal_v1_RotateJoinTokenResponse__Output } from './shoal/v1/RotateJoinTokenResponse.ts';
import type { Service as _shoal_v1_Service, Service__Output as _shoal_v1_Service__Output } from './shoal/v1/Service.ts';
import type { ServiceSpec as _shoal_v1_ServiceSpec, ServiceSpec__Output as _shoal_v1_ServiceSpec__Output } from './shoal/v1/ServiceSpec.ts';
import type { SessionMessage as _shoal_v1_SessionMessage, SessionMessage__Output as _shoal_v1_SessionMessage__Output } from './shoal/v1/SessionMessage.ts';
import type { SessionRequest as _shoal_v1_SessionRequest, SessionRequest__Output as _shoal_v1_SessionRequest__Output } from './shoal/v1/SessionRequest.ts';
import type { SwarmClient as _shoal_v1_SwarmClient, SwarmDefinition as _shoal_v1_SwarmDefinition } from './shoal/v1/Swarm.ts';
import type { Task as _shoal_v1_Task, Task__Output as _shoal_v1_Task__Output } from './shoal/v1/Task.ts';
import type { TaskSpec as _shoal_v1_TaskSpec, TaskSpec__Output as _shoal_v1_TaskSpec__Output } from './shoal/v1/TaskSpec.ts';
import type { TaskStatus as _shoal_v1_TaskStatus, TaskStatus__Output as _shoal_v1_TaskStatus__Output } from './shoal/v1/TaskStatus.ts';
import type { TaskStatusUpdate as _shoal_v1_TaskStatusUpdate, TaskStatusUpdate__Output as _shoal_v1_TaskStatusUpdate__Output } from './shoal/v1/TaskStatusUpdate.ts';
import type { UpdateConfig as _shoal_v1_UpdateConfig, UpdateConfig__Output as _shoal_v1_UpdateConfig__Output } from './shoal/v1/UpdateConfig.ts';
import type { UpdateNodeRequest as _shoal_v1_UpdateNodeRequest, UpdateNodeRequest__Output as _shoal_v1_UpdateNodeRequest__Output } from './shoal/v1/UpdateNodeRequest.ts';
import type { UpdateNodeResponse as _shoal_v1_UpdateNodeResponse, UpdateNodeResponse__Output as _shoal_v1_UpdateNodeResponse__Output } from './shoal/v1/UpdateNodeResponse.ts';
import type { UpdateServiceRequest as _shoal_v1_UpdateServiceRequest, UpdateServiceRequest__Output as _shoal_v1_UpdateServiceRequest__Output } from './shoal/v1/UpdateServiceRequest.ts';
import type { UpdateServiceResponse as _shoal_v1_UpdateServiceResponse, UpdateServiceResponse__Output as _shoal_v1_UpdateServiceResponse__Output } from './shoal/v1/UpdateServiceResponse.ts';
import type { UpdateStatus as _shoal_v1_UpdateStatus, UpdateStatus__Output as _shoal_v1_UpdateStatus__Output } from './shoal/v1/UpdateStatus.ts';
import type { UpdateTaskStatusRequest as _shoal_v1_UpdateTaskStatusRequest, UpdateTaskStatusRequest__Output as _shoal_v1_UpdateTaskStatusRequest__Output } from './shoal/v1/UpdateTaskStatusRequest.ts';
import type { UpdateTaskStatusResponse as _shoal_v1_UpdateTaskStatusResponse, UpdateTaskStatusResponse__Output as _shoal_v1_UpdateTaskStatusResponse__Output } from './shoal/v1/UpdateTaskStatusResponse.ts';
import type { ViewEndpoint as _shoal_v1_ViewEndpoint, ViewEndpoint__Output as _shoal_v1_ViewEndpoint__Output } from './shoal/v1/ViewEndpoint.ts';
import type { ViewEndpointKey as _shoal_v1_ViewEndpointKey, ViewEndpointKey__Output as _shoal_v1_ViewEndpointKey__Output } from './shoal/v1/ViewEndpointKey.ts';
import type { ViewNetwork as _shoal_v1_ViewNetwork, ViewNetwork__Output as _shoal_v1_ViewNetwork__Output } from './shoal/v1/ViewNetwork.ts';
import type { ViewNode as _shoal_v1_ViewNode, ViewNode__Output as _shoal_v1_ViewNode__Output } from './shoal/v1/ViewNode.ts';
import type { ViewService as _shoal_v1_ViewService, ViewService__Output as _shoal_v1_ViewService__Output } from './shoal/v1/ViewService.ts';
import type { VirtualIP as _shoal_v1_VirtualIP, VirtualIP__Output as _shoal_v1_VirtualIP__Output } from './shoal/v1/VirtualIP.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  shoal: {
    v1: {
      AssignmentChange: MessageTypeDefinition<_shoal_v1_AssignmentChange, _shoal_v1_AssignmentChange__Output>
      AssignmentsMessage: MessageTypeDefinition<_shoal_v1_AssignmentsMessage, _shoal_v1_AssignmentsMessage__Output>
      AssignmentsRequest: MessageTypeDefinition<_shoal_v1_AssignmentsRequest, _shoal_v1_AssignmentsRequest__Output>
      Cluster: MessageTypeDefinition<_shoal_v1_Cluster, _shoal_v1_Cluster__Output>
      Config: MessageTypeDefinition<_shoal_v1_Config, _shoal_v1_Config__Output>
      Control: SubtypeConstructor<typeof grpc.Client, _shoal_v1_ControlClient> & { service: _shoal_v1_ControlDefinition }
      CreateConfigRequest: MessageTypeDefinition<_shoal_v1_CreateConfigRequest, _shoal_v1_CreateConfigRequest__Output>
      CreateConfigResponse: MessageTypeDefinition<_shoal_v1_CreateConfigResponse, _shoal_v1_CreateConfigResponse__Output>
      CreateNetworkRequest: MessageTypeDefinition<_shoal_v1_CreateNetworkRequest, _shoal_v1_CreateNetworkRequest__Output>
      CreateNetworkResponse: MessageTypeDefinition<_shoal_v1_CreateNetworkResponse, _shoal_v1_CreateNetworkResponse__Output>
      CreateServiceRequest: MessageTypeDefinition<_shoal_v1_CreateServiceRequest, _shoal_v1_CreateServiceRequest__Output>
      CreateServiceResponse: MessageTypeDefinition<_shoal_v1_CreateServiceResponse, _shoal_v1_CreateServiceResponse__Output>
      Dispatcher: SubtypeConstructor<typeof grpc.Client, _shoal_v1_DispatcherClient> & { service: _shoal_v1_DispatcherDefinition }
      Endpoint: MessageTypeDefinition<_shoal_v1_Endpoint, _shoal_v1_Endpoint__Output>
      EndpointSpec: MessageTypeDefinition<_shoal_v1_EndpointSpec, _shoal_v1_EndpointSpec__Output>
      GetClusterRequest: MessageTypeDefinition<_shoal_v1_GetClusterRequest, _shoal_v1_GetClusterRequest__Output>
      GetClusterResponse: MessageTypeDefinition<_shoal_v1_GetClusterResponse, _shoal_v1_GetClusterResponse__Output>
      GetNetworkRequest: MessageTypeDefinition<_shoal_v1_GetNetworkRequest, _shoal_v1_GetNetworkRequest__Output>
      GetNetworkResponse: MessageTypeDefinition<_shoal_v1_GetNetworkResponse, _shoal_v1_GetNetworkResponse__Output>
      GetNodeRequest: MessageTypeDefinition<_shoal_v1_GetNodeRequest, _shoal_v1_GetNodeRequest__Output>
      GetNodeResponse: MessageTypeDefinition<_shoal_v1_GetNodeResponse, _shoal_v1_GetNodeResponse__Output>
      GetServiceRequest: MessageTypeDefinition<_shoal_v1_GetServiceRequest, _shoal_v1_GetServiceRequest__Output>
      GetServiceResponse: MessageTypeDefinition<_shoal_v1_GetServiceResponse, _shoal_v1_GetServiceResponse__Output>
      GetTaskRequest: MessageTypeDefinition<_shoal_v1_GetTaskRequest, _shoal_v1_GetTaskRequest__Output>
      GetTaskResponse: MessageTypeDefinition<_shoal_v1_GetTaskResponse, _shoal_v1_GetTaskResponse__Output>
      HeartbeatRequest: MessageTypeDefinition<_shoal_v1_HeartbeatRequest, _shoal_v1_HeartbeatRequest__Output>
      HeartbeatResponse: MessageTypeDefinition<_shoal_v1_HeartbeatResponse, _shoal_v1_HeartbeatResponse__Output>
      HeldNetwork: MessageTypeDefinition<_shoal_v1_HeldNetwork, _shoal_v1_HeldNetwork__Output>
      InfoRequest: MessageTypeDefinition<_shoal_v1_InfoRequest, _shoal_v1_InfoRequest__Output>
      InfoResponse: MessageTypeDefinition<_shoal_v1_InfoResponse, _shoal_v1_InfoResponse__Output>
      InitRequest: MessageTypeDefinition<_shoal_v1_InitRequest, _shoal_v1_InitRequest__Output>
      InitResponse: MessageTypeDefinition<_shoal_v1_InitResponse, _shoal_v1_InitResponse__Output>
      JoinRequest: MessageTypeDefinition<_shoal_v1_JoinRequest, _shoal_v1_JoinRequest__Output>
      JoinResponse: MessageTypeDefinition<_shoal_v1_JoinResponse, _shoal_v1_JoinResponse__Output>
      LeaveRequest: MessageTypeDefinition<_shoal_v1_LeaveRequest, _shoal_v1_LeaveRequest__Output>
      LeaveResponse: MessageTypeDefinition<_shoal_v1_LeaveResponse, _shoal_v1_LeaveResponse__Output>
      ListConfigsRequest: MessageTypeDefinition<_shoal_v1_ListConfigsRequest, _shoal_v1_ListConfigsRequest__Output>
      ListConfigsResponse: MessageTypeDefinition<_shoal_v1_ListConfigsResponse, _shoal_v1_ListConfigsResponse__Output>
      ListNetworksRequest: MessageTypeDefinition<_shoal_v1_ListNetworksRequest, _shoal_v1_ListNetworksRequest__Output>
      ListNetworksResponse: MessageTypeDefinition<_shoal_v1_ListNetworksResponse, _shoal_v1_ListNetworksResponse__Output>
      ListNodesRequest: MessageTypeDefinition<_shoal_v1_ListNodesRequest, _shoal_v1_ListNodesRequest__Output>
      ListNodesResponse: MessageTypeDefinition<_shoal_v1_ListNodesResponse, _shoal_v1_ListNodesResponse__Output>
      ListServicesRequest: MessageTypeDefinition<_shoal_v1_ListServicesRequest, _shoal_v1_ListServicesRequest__Output>
      ListServicesResponse: MessageTypeDefinition<_shoal_v1_ListServicesResponse, _shoal_v1_ListServicesResponse__Output>
      ListTasksRequest: MessageTypeDefinition<_shoal_v1_ListTasksRequest, _shoal_v1_ListTasksRequest__Output>
      ListTasksResponse: MessageTypeDefinition<_shoal_v1_ListTasksResponse, _shoal_v1_ListTasksResponse__Output>
      Network: MessageTypeDefinition<_shoal_v1_Network, _shoal_v1_Network__Output>
      NetworkAllocation: MessageTypeDefinition<_shoal_v1_NetworkAllocation, _shoal_v1_NetworkAllocation__Output>
      NetworkAttachment: MessageTypeDefinition<_shoal_v1_NetworkAttachment, _shoal_v1_NetworkAttachment__Output>
      NetworkSpec: MessageTypeDefinition<_shoal_v1_NetworkSpec, _shoal_v1_NetworkSpec__Output>
      NetworkView: MessageTypeDefinition<_shoal_v1_NetworkView, _shoal_v1_NetworkView__Output>
      NetworkViewDelta: MessageTypeDefinition<_shoal_v1_NetworkViewDelta, _shoal_v1_NetworkViewDelta__Output>
      Node: MessageTypeDefinition<_shoal_v1_Node, _shoal_v1_Node__Output>
      PortConfig: MessageTypeDefinition<_shoal_v1_PortConfig, _shoal_v1_PortConfig__Output>
      RemoveConfigRequest: MessageTypeDefinition<_shoal_v1_RemoveConfigRequest, _shoal_v1_RemoveConfigRequest__Output>
      RemoveConfigResponse: MessageTypeDefinition<_shoal_v1_RemoveConfigResponse, _shoal_v1_RemoveConfigResponse__Output>
      RemoveNetworkRequest: MessageTypeDefinition<_shoal_v1_RemoveNetworkRequest, _shoal_v1_RemoveNetworkRequest__Output>
      RemoveNetworkResponse: MessageTypeDefinition<_shoal_v1_RemoveNetworkResponse, _shoal_v1_RemoveNetworkResponse__Output>
      RemoveNodeRequest: MessageTypeDefinition<_shoal_v1_RemoveNodeRequest, _shoal_v1_RemoveNodeRequest__Output>
      RemoveNodeResponse: MessageTypeDefinition<_shoal_v1_RemoveNodeResponse, _shoal_v1_RemoveNodeResponse__Output>
      RemoveServiceRequest: MessageTypeDefinition<_shoal_v1_RemoveServiceRequest, _shoal_v1_RemoveServiceRequest__Output>
      RemoveServiceResponse: MessageTypeDefinition<_shoal_v1_RemoveServiceResponse, _shoal_v1_RemoveServiceResponse__Output>
      RestartPolicy: MessageTypeDefinition<_shoal_v1_RestartPolicy, _shoal_v1_RestartPolicy__Output>
      RotateJoinTokenRequest: MessageTypeDefinition<_shoal_v1_RotateJoinTokenRequest, _shoal_v1_RotateJoinTokenRequest__Output>
      RotateJoinTokenResponse: MessageTypeDefinition<_shoal_v1_RotateJoinTokenResponse, _shoal_v1_RotateJoinTokenResponse__Output>
      Service: MessageTypeDefinition<_shoal_v1_Service, _shoal_v1_Service__Output>
      ServiceSpec: MessageTypeDefinition<_shoal_v1_ServiceSpec, _shoal_v1_ServiceSpec__Output>
      SessionMessage: MessageTypeDefinition<_shoal_v1_SessionMessage, _shoal_v1_SessionMessage__Output>
      SessionRequest: MessageTypeDefinition<_shoal_v1_SessionRequest, _shoal_v1_SessionRequest__Output>
      /**
       * Served only on the local unix socket: turning this daemon into (or out of) a cluster member.
       */
      Swarm: SubtypeConstructor<typeof grpc.Client, _shoal_v1_SwarmClient> & { service: _shoal_v1_SwarmDefinition }
      Task: MessageTypeDefinition<_shoal_v1_Task, _shoal_v1_Task__Output>
      TaskSpec: MessageTypeDefinition<_shoal_v1_TaskSpec, _shoal_v1_TaskSpec__Output>
      TaskStatus: MessageTypeDefinition<_shoal_v1_TaskStatus, _shoal_v1_TaskStatus__Output>
      TaskStatusUpdate: MessageTypeDefinition<_shoal_v1_TaskStatusUpdate, _shoal_v1_TaskStatusUpdate__Output>
      UpdateConfig: MessageTypeDefinition<_shoal_v1_UpdateConfig, _shoal_v1_UpdateConfig__Output>
      UpdateNodeRequest: MessageTypeDefinition<_shoal_v1_UpdateNodeRequest, _shoal_v1_UpdateNodeRequest__Output>
      UpdateNodeResponse: MessageTypeDefinition<_shoal_v1_UpdateNodeResponse, _shoal_v1_UpdateNodeResponse__Output>
      UpdateServiceRequest: MessageTypeDefinition<_shoal_v1_UpdateServiceRequest, _shoal_v1_UpdateServiceRequest__Output>
      UpdateServiceResponse: MessageTypeDefinition<_shoal_v1_UpdateServiceResponse, _shoal_v1_UpdateServiceResponse__Output>
      UpdateStatus: MessageTypeDefinition<_shoal_v1_UpdateStatus, _shoal_v1_UpdateStatus__Output>
      UpdateTaskStatusRequest: MessageTypeDefinition<_shoal_v1_UpdateTaskStatusRequest, _shoal_v1_UpdateTaskStatusRequest__Output>
      UpdateTaskStatusResponse: MessageTypeDefinition<_shoal_v1_UpdateTaskStatusResponse, _shoal_v1_UpdateTaskStatusResponse__Output>
      ViewEndpoint: MessageTypeDefinition<_shoal_v1_ViewEndpoint, _shoal_v1_ViewEndpoint__Output>
      ViewEndpointKey: MessageTypeDefinition<_shoal_v1_ViewEndpointKey, _shoal_v1_ViewEndpointKey__Output>
      ViewNetwork: MessageTypeDefinition<_shoal_v1_ViewNetwork, _shoal_v1_ViewNetwork__Output>
      ViewNode: MessageTypeDefinition<_shoal_v1_ViewNode, _shoal_v1_ViewNode__Output>
      ViewService: MessageTypeDefinition<_shoal_v1_ViewService, _shoal_v1_ViewService__Output>
      VirtualIP: MessageTypeDefinition<_shoal_v1_VirtualIP, _shoal_v1_VirtualIP__Output>
    }
  }
}

