// Original file: proto/control.proto

import type { Node as _shoal_v1_Node, Node__Output as _shoal_v1_Node__Output } from '../../shoal/v1/Node.ts';

export interface UpdateNodeResponse {
  'node'?: (_shoal_v1_Node | null);
}

export interface UpdateNodeResponse__Output {
  'node': (_shoal_v1_Node__Output | null);
}
