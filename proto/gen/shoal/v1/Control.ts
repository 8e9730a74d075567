// Original file: proto/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateConfigRequest as _shoal_v1_CreateConfigRequest, CreateConfigRequest__Output as _shoal_v1_CreateConfigRequest__Output } from '../../shoal/v1/CreateConfigRequest.ts';
import type { CreateConfigResponse as _shoal_v1_CreateConfigResponse, CreateConfigResponse__Output as _shoal_v1_CreateConfigResponse__Output } from '../../shoal/v1/CreateConfigResponse.ts';
import type { CreateNetworkRequest as _shoal_v1_CreateNetworkRequest, CreateNetworkRequest__Output as _shoal_v1_CreateNetworkRequest__Output } from '../../shoal/v1/CreateNetworkRequest.ts';
import type { CreateNetworkResponse as _shoal_v1_CreateNetworkResponse, CreateNetworkResponse__Output as _shoal_v1_CreateNetworkResponse__Output } from '../../shoal/v1/CreateNetworkResponse.ts';
import type { CreateServiceRequest as _shoal_v1_CreateServiceRequest, CreateServiceRequest__Output as _shoal_v1_CreateServiceRequest__Output } from '../../shoal/v1/CreateServiceRequest.ts';
import type { CreateServiceResponse as _shoal_v1_CreateServiceResponse, CreateServiceResponse__Output as _shoal_v1_CreateServiceResponse__Output } from '../../shoal/v1/CreateServiceResponse.ts';
import type { GetClusterRequest as _shoal_v1_GetClusterRequest, GetClusterRequest__Output as _shoal_v1_GetClusterRequest__Output } from '../../shoal/v1/GetClusterRequest.ts';
import type { GetClusterResponse as _shoal_v1_GetClusterResponse, GetClusterResponse__Output as _shoal_v1_GetClusterResponse__Output } from '../../shoal/v1/GetClusterResponse.ts';
import type { GetNetworkRequest as _shoal_v1_GetNetworkRequest, GetNetworkRequest__Output as _shoal_v1_GetNetworkRequest__Output } from '../../shoal/v1/GetNetworkRequest.ts';
import type { GetNetworkResponse as _shoal_v1_GetNetworkResponse, GetNetworkResponse__Output as _shoal_v1_GetNetworkResponse__Output } from '../../shoal/v1/GetNetworkResponse.ts';
import type { GetNodeRequest as _shoal_v1_GetNodeRequest, GetNodeRequest__Output as _shoal_v1_GetNodeRequest__Output } from '../../shoal/v1/GetNodeRequest.ts';
import type { GetNodeResponse as _shoal_v1_GetNodeResponse, GetNodeResponse__Output as _shoal_v1_GetNodeResponse__Output } from '../../shoal/v1/GetNodeResponse.ts';
import type { GetServiceRequest as _shoal_v1_GetServiceRequest, GetServiceRequest__Output as _shoal_v1_GetServiceRequest__Output } from '../../shoal/v1/GetServiceRequest.ts';
import type { GetServiceResponse as _shoal_v1_GetServiceResponse, GetServiceResponse__Output as _shoal_v1_GetServiceResponse__Output } from '../../shoal/v1/GetServiceResponse.ts';
import type { GetTaskRequest as _shoal_v1_GetTaskRequest, GetTaskRequest__Output as _shoal_v1_GetTaskRequest__Output } from '../../shoal/v1/GetTaskRequest.ts';
import type { GetTaskResponse as _shoal_v1_GetTaskResponse, GetTaskResponse__Output as _shoal_v1_GetTaskResponse__Output } from '../../shoal/v1/GetTaskResponse.ts';
import type { ListConfigsRequest as _shoal_v1_ListConfigsRequest, ListConfigsRequest__Output as _shoal_v1_ListConfigsRequest__Output } from '../../shoal/v1/ListConfigsRequest.ts';
import type { ListConfigsResponse as _shoal_v1_ListConfigsResponse, ListConfigsResponse__Output as _shoal_v1_ListConfigsResponse__Output } from '../../shoal/v1/ListConfigsResponse.ts';
import type { ListNetworksRequest as _shoal_v1_ListNetworksRequest, ListNetworksRequest__Output as _shoal_v1_ListNetworksRequest__Output } from '../../shoal/v1/ListNetworksRequest.ts';
import type { ListNetworksResponse as _shoal_v1_ListNetworksResponse, ListNetworksResponse__Output as _shoal_v1_ListNetworksResponse__Output } from '../../shoal/v1/ListNetworksResponse.ts';
import type { ListNodesRequest as _shoal_v1_ListNodesRequest, ListNodesRequest__Output as _shoal_v1_ListNodesRequest__Output } from '../../shoal/v1/ListNodesRequest.ts';
import type { ListNodesResponse as _shoal_v1_ListNodesResponse, ListNodesResponse__Output as _shoal_v1_ListNodesResponse__Output } from '../../shoal/v1/ListNodesResponse.ts';
import type { ListServicesRequest as _shoal_v1_ListServicesRequest, ListServicesRequest__Output as _shoal_v1_ListServicesRequest__Output } from '../../shoal/v1/ListServicesRequest.ts';
import type { ListServicesResponse as _shoal_v1_ListServicesResponse, ListServicesResponse__Output as _shoal_v1_ListServicesResponse__Output } from '../../shoal/v1/ListServicesResponse.ts';
import type { ListTasksRequest as _shoal_v1_ListTasksRequest, ListTasksRequest__Output as _shoal_v1_ListTasksRequest__Output } from '../../shoal/v1/ListTasksRequest.ts';
import type { ListTasksResponse as _shoal_v1_ListTasksResponse, ListTasksResponse__Output as _shoal_v1_ListTasksResponse__Output } from '../../shoal/v1/ListTasksResponse.ts';
import type { RemoveConfigRequest as _shoal_v1_RemoveConfigRequest, RemoveConfigRequest__Output as _shoal_v1_RemoveConfigRequest__Output } from '../../shoal/v1/RemoveConfigRequest.ts';
import type { RemoveConfigResponse as _shoal_v1_RemoveConfigResponse, RemoveConfigResponse__Output as _shoal_v1_RemoveConfigResponse__Output } from '../../shoal/v1/RemoveConfigResponse.ts';
import type { RemoveNetworkRequest as _shoal_v1_RemoveNetworkRequest, RemoveNetworkRequest__Output as _shoal_v1_RemoveNetworkRequest__Output } from '../../shoal/v1/RemoveNetworkRequest.ts';
import type { RemoveNetworkResponse as _shoal_v1_RemoveNetworkResponse, RemoveNetworkResponse__Output as _shoal_v1_RemoveNetworkResponse__Output } from '../../shoal/v1/RemoveNetworkResponse.ts';
import type { RemoveNodeRequest as _shoal_v1_RemoveNodeRequest, RemoveNodeRequest__Output as _shoal_v1_RemoveNodeRequest__Output } from '../../shoal/v1/RemoveNodeRequest.ts';
import type { RemoveNodeResponse as _shoal_v1_RemoveNodeResponse, RemoveNodeResponse__Output as _shoal_v1_RemoveNodeResponse__Output } from '../../shoal/v1/RemoveNodeResponse.ts';
import type { RemoveServiceRequest as _shoal_v1_RemoveServiceRequest, RemoveServiceRequest__Output as _shoal_v1_RemoveServiceRequest__Output } from '../../shoal/v1/RemoveServiceRequest.ts';
import type { RemoveServiceResponse as _shoal_v1_RemoveServiceResponse, RemoveServiceResponse__Output as _shoal_v1_RemoveServiceResponse__Output } from '../../shoal/v1/RemoveServiceResponse.ts';
import type { RotateJoinTokenRequest as _shoal_v1_RotateJoinTokenRequest, RotateJoinTokenRequest__Output as _shoal_v1_RotateJoinTokenRequest__Output } from '../../shoal/v1/RotateJoinTokenRequest.ts';
import type { RotateJoinTokenResponse as _shoal_v1_RotateJoinTokenResponse, RotateJoinTokenResponse__Output as _shoal_v1_RotateJoinTokenResponse__Output } from '../../shoal/v1/RotateJoinTokenResponse.ts';
import type { UpdateNodeRequest as _shoal_v1_UpdateNodeRequest, UpdateNodeRequest__Output as _shoal_v1_UpdateNodeRequest__Output } from '../../shoal/v1/UpdateNodeRequest.ts';
import type { UpdateNodeResponse as _shoal_v1_UpdateNodeResponse, UpdateNodeResponse__Output as _shoal_v1_UpdateNodeResponse__Output } from '../../shoal/v1/UpdateNodeResponse.ts';
import type { UpdateServiceRequest as _shoal_v1_UpdateServiceRequest, UpdateServiceRequest__Output as _shoal_v1_UpdateServiceRequest__Output } from '../../shoal/v1/UpdateServiceRequest.ts';
import type { UpdateServiceResponse as _shoal_v1_UpdateServiceResponse, UpdateServiceResponse__Output as _shoal_v1_UpdateServiceResponse__Output } from '../../shoal/v1/UpdateServiceResponse.ts';

export interface ControlClient extends grpc.Client {
  CreateConfig(argument: _shoal_v1_CreateConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  CreateConfig(argument: _shoal_v1_CreateConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  CreateConfig(argument: _shoal_v1_CreateConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  CreateConfig(argument: _shoal_v1_CreateConfigRequest, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  createConfig(argument: _shoal_v1_CreateConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  createConfig(argument: _shoal_v1_CreateConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  createConfig(argument: _shoal_v1_CreateConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  createConfig(argument: _shoal_v1_CreateConfigRequest, callback: grpc.requestCallback<_shoal_v1_CreateConfigResponse__Output>): grpc.ClientUnaryCall;
  
  CreateNetwork(argument: _shoal_v1_CreateNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  CreateNetwork(argument: _shoal_v1_CreateNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  CreateNetwork(argument: _shoal_v1_CreateNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  CreateNetwork(argument: _shoal_v1_CreateNetworkRequest, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  createNetwork(argument: _shoal_v1_CreateNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  createNetwork(argument: _shoal_v1_CreateNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  createNetwork(argument: _shoal_v1_CreateNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  createNetwork(argument: _shoal_v1_CreateNetworkRequest, callback: grpc.requestCallback<_shoal_v1_CreateNetworkResponse__Output>): grpc.ClientUnaryCall;
  
  CreateService(argument: _shoal_v1_CreateServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  CreateService(argument: _shoal_v1_CreateServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  CreateService(argument: _shoal_v1_CreateServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  CreateService(argument: _shoal_v1_CreateServiceRequest, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  createService(argument: _shoal_v1_CreateServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  createService(argument: _shoal_v1_CreateServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  createService(argument: _shoal_v1_CreateServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  createService(argument: _shoal_v1_CreateServiceRequest, callback: grpc.requestCallback<_shoal_v1_CreateServiceResponse__Output>): grpc.ClientUnaryCall;
  
  GetCluster(argument: _shoal_v1_GetClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  GetCluster(argument: _shoal_v1_GetClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  GetCluster(argument: _shoal_v1_GetClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  GetCluster(argument: _shoal_v1_GetClusterRequest, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _shoal_v1_GetClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _shoal_v1_GetClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _shoal_v1_GetClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _shoal_v1_GetClusterRequest, callback: grpc.requestCallback<_shoal_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  
  GetNetwork(argument: _shoal_v1_GetNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  GetNetwork(argument: _shoal_v1_GetNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  GetNetwork(argument: _shoal_v1_GetNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  GetNetwork(argument: _shoal_v1_GetNetworkRequest, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  getNetwork(argument: _shoal_v1_GetNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  getNetwork(argument: _shoal_v1_GetNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  getNetwork(argument: _shoal_v1_GetNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  getNetwork(argument: _shoal_v1_GetNetworkRequest, callback: grpc.requestCallback<_shoal_v1_GetNetworkResponse__Output>): grpc.ClientUnaryCall;
  
  GetNode(argument: _shoal_v1_GetNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  GetNode(argument: _shoal_v1_GetNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  GetNode(argument: _shoal_v1_GetNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  GetNode(argument: _shoal_v1_GetNodeRequest, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  getNode(argument: _shoal_v1_GetNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  getNode(argument: _shoal_v1_GetNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  getNode(argument: _shoal_v1_GetNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  getNode(argument: _shoal_v1_GetNodeRequest, callback: grpc.requestCallback<_shoal_v1_GetNodeResponse__Output>): grpc.ClientUnaryCall;
  
  GetService(argument: _shoal_v1_GetServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  GetService(argument: _shoal_v1_GetServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  GetService(argument: _shoal_v1_GetServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  GetService(argument: _shoal_v1_GetServiceRequest, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  getService(argument: _shoal_v1_GetServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  getService(argument: _shoal_v1_GetServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  getService(argument: _shoal_v1_GetServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  getService(argument: _shoal_v1_GetServiceRequest, callback: grpc.requestCallback<_shoal_v1_GetServiceResponse__Output>): grpc.ClientUnaryCall;
  
  GetTask(argument: _shoal_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _shoal_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _shoal_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _shoal_v1_GetTaskRequest, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _shoal_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _shoal_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _shoal_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _shoal_v1_GetTaskRequest, callback: grpc.requestCallback<_shoal_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  
  ListConfigs(argument: _shoal_v1_ListConfigsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  ListConfigs(argument: _shoal_v1_ListConfigsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  ListConfigs(argument: _shoal_v1_ListConfigsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  ListConfigs(argument: _shoal_v1_ListConfigsRequest, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  listConfigs(argument: _shoal_v1_ListConfigsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  listConfigs(argument: _shoal_v1_ListConfigsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  listConfigs(argument: _shoal_v1_ListConfigsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  listConfigs(argument: _shoal_v1_ListConfigsRequest, callback: grpc.requestCallback<_shoal_v1_ListConfigsResponse__Output>): grpc.ClientUnaryCall;
  
  ListNetworks(argument: _shoal_v1_ListNetworksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  ListNetworks(argument: _shoal_v1_ListNetworksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  ListNetworks(argument: _shoal_v1_ListNetworksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  ListNetworks(argument: _shoal_v1_ListNetworksRequest, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  listNetworks(argument: _shoal_v1_ListNetworksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  listNetworks(argument: _shoal_v1_ListNetworksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  listNetworks(argument: _shoal_v1_ListNetworksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  listNetworks(argument: _shoal_v1_ListNetworksRequest, callback: grpc.requestCallback<_shoal_v1_ListNetworksResponse__Output>): grpc.ClientUnaryCall;
  
  ListNodes(argument: _shoal_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _shoal_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _shoal_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _shoal_v1_ListNodesRequest, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _shoal_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _shoal_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _shoal_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _shoal_v1_ListNodesRequest, callback: grpc.requestCallback<_shoal_v1_ListNodesResponse__Output>): grpc.ClientUnaryCall;
  
  ListServices(argument: _shoal_v1_ListServicesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  ListServices(argument: _shoal_v1_ListServicesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  ListServices(argument: _shoal_v1_ListServicesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  ListServices(argument: _shoal_v1_ListServicesRequest, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  listServices(argument: _shoal_v1_ListServicesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  listServices(argument: _shoal_v1_ListServicesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  listServices(argument: _shoal_v1_ListServicesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  listServices(argument: _shoal_v1_ListServicesRequest, callback: grpc.requestCallback<_shoal_v1_ListServicesResponse__Output>): grpc.ClientUnaryCall;
  
  ListTasks(argument: _shoal_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _shoal_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _shoal_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  ListTasks(argument: _shoal_v1_ListTasksRequest, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _shoal_v1_ListTasksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _shoal_v1_ListTasksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _shoal_v1_ListTasksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  listTasks(argument: _shoal_v1_ListTasksRequest, callback: grpc.requestCallback<_shoal_v1_ListTasksResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveConfig(argument: _shoal_v1_RemoveConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  RemoveConfig(argument: _shoal_v1_RemoveConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  RemoveConfig(argument: _shoal_v1_RemoveConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  RemoveConfig(argument: _shoal_v1_RemoveConfigRequest, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  removeConfig(argument: _shoal_v1_RemoveConfigRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  removeConfig(argument: _shoal_v1_RemoveConfigRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  removeConfig(argument: _shoal_v1_RemoveConfigRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  removeConfig(argument: _shoal_v1_RemoveConfigRequest, callback: grpc.requestCallback<_shoal_v1_RemoveConfigResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveNetwork(argument: _shoal_v1_RemoveNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  RemoveNetwork(argument: _shoal_v1_RemoveNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  RemoveNetwork(argument: _shoal_v1_RemoveNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  RemoveNetwork(argument: _shoal_v1_RemoveNetworkRequest, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  removeNetwork(argument: _shoal_v1_RemoveNetworkRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  removeNetwork(argument: _shoal_v1_RemoveNetworkRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  removeNetwork(argument: _shoal_v1_RemoveNetworkRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  removeNetwork(argument: _shoal_v1_RemoveNetworkRequest, callback: grpc.requestCallback<_shoal_v1_RemoveNetworkResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveNode(argument: _shoal_v1_RemoveNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  RemoveNode(argument: _shoal_v1_RemoveNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  RemoveNode(argument: _shoal_v1_RemoveNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  RemoveNode(argument: _shoal_v1_RemoveNodeRequest, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _shoal_v1_RemoveNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _shoal_v1_RemoveNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _shoal_v1_RemoveNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  removeNode(argument: _shoal_v1_RemoveNodeRequest, callback: grpc.requestCallback<_shoal_v1_RemoveNodeResponse__Output>): grpc.ClientUnaryCall;
  
  RemoveService(argument: _shoal_v1_RemoveServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  RemoveService(argument: _shoal_v1_RemoveServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  RemoveService(argument: _shoal_v1_RemoveServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  RemoveService(argument: _shoal_v1_RemoveServiceRequest, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  removeService(argument: _shoal_v1_RemoveServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  removeService(argument: _shoal_v1_RemoveServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  removeService(argument: _shoal_v1_RemoveServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  removeService(argument: _shoal_v1_RemoveServiceRequest, callback: grpc.requestCallback<_shoal_v1_RemoveServiceResponse__Output>): grpc.ClientUnaryCall;
  
  RotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  RotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  RotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  RotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  rotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  rotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  rotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  rotateJoinToken(argument: _shoal_v1_RotateJoinTokenRequest, callback: grpc.requestCallback<_shoal_v1_RotateJoinTokenResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateNode(argument: _shoal_v1_UpdateNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  UpdateNode(argument: _shoal_v1_UpdateNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  UpdateNode(argument: _shoal_v1_UpdateNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  UpdateNode(argument: _shoal_v1_UpdateNodeRequest, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  updateNode(argument: _shoal_v1_UpdateNodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  updateNode(argument: _shoal_v1_UpdateNodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  updateNode(argument: _shoal_v1_UpdateNodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  updateNode(argument: _shoal_v1_UpdateNodeRequest, callback: grpc.requestCallback<_shoal_v1_UpdateNodeResponse__Output>): grpc.ClientUnaryCall;
  
  UpdateService(argument: _shoal_v1_UpdateServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  UpdateService(argument: _shoal_v1_UpdateServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  UpdateService(argument: _shoal_v1_UpdateServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  UpdateService(argument: _shoal_v1_UpdateServiceRequest, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  updateService(argument: _shoal_v1_UpdateServiceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  updateService(argument: _shoal_v1_UpdateServiceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  updateService(argument: _shoal_v1_UpdateServiceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  updateService(argument: _shoal_v1_UpdateServiceRequest, callback: grpc.requestCallback<_shoal_v1_UpdateServiceResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  CreateConfig: grpc.handleUnaryCall<_shoal_v1_CreateConfigRequest__Output, _shoal_v1_CreateConfigResponse>;
  
  CreateNetwork: grpc.handleUnaryCall<_shoal_v1_CreateNetworkRequest__Output, _shoal_v1_CreateNetworkResponse>;
  
  CreateService: grpc.handleUnaryCall<_shoal_v1_CreateServiceRequest__Output, _shoal_v1_CreateServiceResponse>;
  
  GetCluster: grpc.handleUnaryCall<_shoal_v1_GetClusterRequest__Output, _shoal_v1_GetClusterResponse>;
  
  GetNetwork: grpc.handleUnaryCall<_shoal_v1_GetNetworkRequest__Output, _shoal_v1_GetNetworkResponse>;
  
  GetNode: grpc.handleUnaryCall<_shoal_v1_GetNodeRequest__Output, _shoal_v1_GetNodeResponse>;
  
  GetService: grpc.handleUnaryCall<_shoal_v1_GetServiceRequest__Output, _shoal_v1_GetServiceResponse>;
  
  GetTask: grpc.handleUnaryCall<_shoal_v1_GetTaskRequest__Output, _shoal_v1_GetTaskResponse>;
  
  ListConfigs: grpc.handleUnaryCall<_shoal_v1_ListConfigsRequest__Output, _shoal_v1_ListConfigsResponse>;
  
  ListNetworks: grpc.handleUnaryCall<_shoal_v1_ListNetworksRequest__Output, _shoal_v1_ListNetworksResponse>;
  
  ListNodes: grpc.handleUnaryCall<_shoal_v1_ListNodesRequest__Output, _shoal_v1_ListNodesResponse>;
  
  ListServices: grpc.handleUnaryCall<_shoal_v1_ListServicesRequest__Output, _shoal_v1_ListServicesResponse>;
  
  ListTasks: grpc.handleUnaryCall<_shoal_v1_ListTasksRequest__Output, _shoal_v1_ListTasksResponse>;
  
  RemoveConfig: grpc.handleUnaryCall<_shoal_v1_RemoveConfigRequest__Output, _shoal_v1_RemoveConfigResponse>;
  
  RemoveNetwork: grpc.handleUnaryCall<_shoal_v1_RemoveNetworkRequest__Output, _shoal_v1_RemoveNetworkResponse>;
  
  RemoveNode: grpc.handleUnaryCall<_shoal_v1_RemoveNodeRequest__Output, _shoal_v1_RemoveNodeResponse>;
  
  RemoveService: grpc.handleUnaryCall<_shoal_v1_RemoveServiceRequest__Output, _shoal_v1_RemoveServiceResponse>;
  
  RotateJoinToken: grpc.handleUnaryCall<_shoal_v1_RotateJoinTokenRequest__Output, _shoal_v1_RotateJoinTokenResponse>;
  
  UpdateNode: grpc.handleUnaryCall<_shoal_v1_UpdateNodeRequest__Output, _shoal_v1_UpdateNodeResponse>;
  
  UpdateService: grpc.handleUnaryCall<_shoal_v1_UpdateServiceRequest__Output, _shoal_v1_UpdateServiceResponse>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  CreateConfig: MethodDefinition<_shoal_v1_CreateConfigRequest, _shoal_v1_CreateConfigResponse, _shoal_v1_CreateConfigRequest__Output, _shoal_v1_CreateConfigResponse__Output>
  CreateNetwork: MethodDefinition<_shoal_v1_CreateNetworkRequest, _shoal_v1_CreateNetworkResponse, _shoal_v1_CreateNetworkRequest__Output, _shoal_v1_CreateNetworkResponse__Output>
  CreateService: MethodDefinition<_shoal_v1_CreateServiceRequest, _shoal_v1_CreateServiceResponse, _shoal_v1_CreateServiceRequest__Output, _shoal_v1_CreateServiceResponse__Output>
  GetCluster: MethodDefinition<_shoal_v1_GetClusterRequest, _shoal_v1_GetClusterResponse, _shoal_v1_GetClusterRequest__Output, _shoal_v1_GetClusterResponse__Output>
  GetNetwork: MethodDefinition<_shoal_v1_GetNetworkRequest, _shoal_v1_GetNetworkResponse, _shoal_v1_GetNetworkRequest__Output, _shoal_v1_GetNetworkResponse__Output>
  GetNode: MethodDefinition<_shoal_v1_GetNodeRequest, _shoal_v1_GetNodeResponse, _shoal_v1_GetNodeRequest__Output, _shoal_v1_GetNodeResponse__Output>
  GetService: MethodDefinition<_shoal_v1_GetServiceRequest, _shoal_v1_GetServiceResponse, _shoal_v1_GetServiceRequest__Output, _shoal_v1_GetServiceResponse__Output>
  GetTask: MethodDefinition<_shoal_v1_GetTaskRequest, _shoal_v1_GetTaskResponse, _shoal_v1_GetTaskRequest__Output, _shoal_v1_GetTaskResponse__Output>
  ListConfigs: MethodDefinition<_shoal_v1_ListConfigsRequest, _shoal_v1_ListConfigsResponse, _shoal_v1_ListConfigsRequest__Output, _shoal_v1_ListConfigsResponse__Output>
  ListNetworks: MethodDefinition<_shoal_v1_ListNetworksRequest, _shoal_v1_ListNetworksResponse, _shoal_v1_ListNetworksRequest__Output, _shoal_v1_ListNetworksResponse__Output>
  ListNodes: MethodDefinition<_shoal_v1_ListNodesRequest, _shoal_v1_ListNodesResponse, _shoal_v1_ListNodesRequest__Output, _shoal_v1_ListNodesResponse__Output>
  ListServices: MethodDefinition<_shoal_v1_ListServicesRequest, _shoal_v1_ListServicesResponse, _shoal_v1_ListServicesRequest__Output, _shoal_v1_ListServicesResponse__Output>
  ListTasks: MethodDefinition<_shoal_v1_ListTasksRequest, _shoal_v1_ListTasksResponse, _shoal_v1_ListTasksRequest__Output, _shoal_v1_ListTasksResponse__Output>
  RemoveConfig: MethodDefinition<_shoal_v1_RemoveConfigRequest, _shoal_v1_RemoveConfigResponse, _shoal_v1_RemoveConfigRequest__Output, _shoal_v1_RemoveConfigResponse__Output>
  RemoveNetwork: MethodDefinition<_shoal_v1_RemoveNetworkRequest, _shoal_v1_RemoveNetworkResponse, _shoal_v1_RemoveNetworkRequest__Output, _shoal_v1_RemoveNetworkResponse__Output>
  RemoveNode: MethodDefinition<_shoal_v1_RemoveNodeRequest, _shoal_v1_RemoveNodeResponse, _shoal_v1_RemoveNodeRequest__Output, _shoal_v1_RemoveNodeResponse__Output>
  RemoveService: MethodDefinition<_shoal_v1_RemoveServiceRequest, _shoal_v1_RemoveServiceResponse, _shoal_v1_RemoveServiceRequest__Output, _shoal_v1_RemoveServiceResponse__Output>
  RotateJoinToken: MethodDefinition<_shoal_v1_RotateJoinTokenRequest, _shoal_v1_RotateJoinTokenResponse, _shoal_v1_RotateJoinTokenRequest__Output, _shoal_v1_RotateJoinTokenResponse__Output>
  UpdateNode: MethodDefinition<_shoal_v1_UpdateNodeRequest, _shoal_v1_UpdateNodeResponse, _shoal_v1_UpdateNodeRequest__Output, _shoal_v1_UpdateNodeResponse__Output>
  UpdateService: MethodDefinition<_shoal_v1_UpdateServiceRequest, _shoal_v1_UpdateServiceResponse, _shoal_v1_UpdateServiceRequest__Output, _shoal_v1_UpdateServiceResponse__Output>
}
