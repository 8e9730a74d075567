// Original file: proto/dispatcher.proto

import type { ViewNetwork as _shoal_v1_ViewNetwork, ViewNetwork__Output as _shoal_v1_ViewNetwork__Output } from '../../shoal/v1/ViewNetwork.ts';
import type { ViewNode as _shoal_v1_ViewNode, ViewNode__Output as _shoal_v1_ViewNode__Output } from '../../shoal/v1/ViewNode.ts';
import type { ViewService as _shoal_v1_ViewService, ViewService__Output as _shoal_v1_ViewService__Output } from '../../shoal/v1/ViewService.ts';
import type { ViewEndpoint as _shoal_v1_ViewEndpoint, ViewEndpoint__Output as _shoal_v1_ViewEndpoint__Output } from '../../shoal/v1/ViewEndpoint.ts';

export interface NetworkView {
  'networks'?: (_shoal_v1_ViewNetwork)[];
  'nodes'?: (_shoal_v1_ViewNode)[];
  'services'?: (_shoal_v1_ViewService)[];
  'endpoints'?: (_shoal_v1_ViewEndpoint)[];
  /**
   * The range of the node's gateway bridge (the cluster's swarm init --gateway-subnet), e.g. 172.18.0.0/16:
   * the bridge takes its first host address, tasks' eth1 the next ones.
   */
  'gatewaySubnet'?: (string);
}

export interface NetworkView__Output {
  'networks': (_shoal_v1_ViewNetwork__Output)[];
  'nodes': (_shoal_v1_ViewNode__Output)[];
  'services': (_shoal_v1_ViewService__Output)[];
  'endpoints': (_shoal_v1_ViewEndpoint__Output)[];
  /**
   * The range of the node's gateway bridge (the cluster's swarm init --gateway-subnet), e.g. 172.18.0.0/16:
   * the bridge takes its first host address, tasks' eth1 the next ones.
   */
  'gatewaySubnet': (string);
}
