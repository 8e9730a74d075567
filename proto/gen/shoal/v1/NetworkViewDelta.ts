// Original file: proto/dispatcher.proto

import type { ViewNetwork as _shoal_v1_ViewNetwork, ViewNetwork__Output as _shoal_v1_ViewNetwork__Output } from '../../shoal/v1/ViewNetwork.ts';
import type { ViewNode as _shoal_v1_ViewNode, ViewNode__Output as _shoal_v1_ViewNode__Output } from '../../shoal/v1/ViewNode.ts';
import type { ViewService as _shoal_v1_ViewService, ViewService__Output as _shoal_v1_ViewService__Output } from '../../shoal/v1/ViewService.ts';
import type { ViewEndpoint as _shoal_v1_ViewEndpoint, ViewEndpoint__Output as _shoal_v1_ViewEndpoint__Output } from '../../shoal/v1/ViewEndpoint.ts';
import type { ViewEndpointKey as _shoal_v1_ViewEndpointKey, ViewEndpointKey__Output as _shoal_v1_ViewEndpointKey__Output } from '../../shoal/v1/ViewEndpointKey.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The changes that make the node's last view (sequence number applies_to) its current one (results_in),
 * each entity whole: upserts replace by key, removals name the key. Applied to a view whose sequence
 * number is not applies_to, it is a gap: the agent re-opens the stream, as for assignments.
 */
export interface NetworkViewDelta {
  'appliesTo'?: (number | string | Long);
  'resultsIn'?: (number | string | Long);
  /**
   * Upserted by id.
   */
  'networks'?: (_shoal_v1_ViewNetwork)[];
  'removedNetworks'?: (string)[];
  /**
   * Upserted by id.
   */
  'nodes'?: (_shoal_v1_ViewNode)[];
  'removedNodes'?: (string)[];
  /**
   * Upserted by id.
   */
  'services'?: (_shoal_v1_ViewService)[];
  'removedServices'?: (string)[];
  /**
   * Upserted by (network_id, task_id). A network leaving the view has its endpoints removed one by one.
   */
  'endpoints'?: (_shoal_v1_ViewEndpoint)[];
  'removedEndpoints'?: (_shoal_v1_ViewEndpointKey)[];
  /**
   * The cluster's gateway bridge range, current (always set).
   */
  'gatewaySubnet'?: (string);
}

/**
 * The changes that make the node's last view (sequence number applies_to) its current one (results_in),
 * each entity whole: upserts replace by key, removals name the key. Applied to a view whose sequence
 * number is not applies_to, it is a gap: the agent re-opens the stream, as for assignments.
 */
export interface NetworkViewDelta__Output {
  'appliesTo': (number);
  'resultsIn': (number);
  /**
   * Upserted by id.
   */
  'networks': (_shoal_v1_ViewNetwork__Output)[];
  'removedNetworks': (string)[];
  /**
   * Upserted by id.
   */
  'nodes': (_shoal_v1_ViewNode__Output)[];
  'removedNodes': (string)[];
  /**
   * Upserted by id.
   */
  'services': (_shoal_v1_ViewService__Output)[];
  'removedServices': (string)[];
  /**
   * Upserted by (network_id, task_id). A network leaving the view has its endpoints removed one by one.
   */
  'endpoints': (_shoal_v1_ViewEndpoint__Output)[];
  'removedEndpoints': (_shoal_v1_ViewEndpointKey__Output)[];
  /**
   * The cluster's gateway bridge range, current (always set).
   */
  'gatewaySubnet': (string);
}
