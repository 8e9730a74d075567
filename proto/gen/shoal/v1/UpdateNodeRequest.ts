// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface UpdateNodeRequest {
  'nodeId'?: (string);
  /**
   * The version the caller read; 0 = the current one (last writer wins).
   */
  'version'?: (number | string | Long);
  /**
   * Empty leaves it as it is.
   */
  'desiredRole'?: (string);
  'availability'?: (string);
  /**
   * docker node update --label-add k=v / --label-rm k
   */
  'labelAdd'?: ({[key: string]: string});
  'labelRm'?: (string)[];
}

export interface UpdateNodeRequest__Output {
  'nodeId': (string);
  /**
   * The version the caller read; 0 = the current one (last writer wins).
   */
  'version': (number);
  /**
   * Empty leaves it as it is.
   */
  'desiredRole': (string);
  'availability': (string);
  /**
   * docker node update --label-add k=v / --label-rm k
   */
  'labelAdd': ({[key: string]: string});
  'labelRm': (string)[];
}
