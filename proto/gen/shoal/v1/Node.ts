// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface Node {
  'id'?: (string);
  'version'?: (number | string | Long);
  'hostname'?: (string);
  /**
   * manager | worker
   */
  'role'?: (string);
  /**
   * active | pause | drain
   */
  'availability'?: (string);
  /**
   * unknown | down | ready | disconnected
   */
  'status'?: (string);
  'addr'?: (string);
  /**
   * leader | reachable | unreachable, or empty for workers
   */
  'managerStatus'?: (string);
  'labels'?: ({[key: string]: string});
  'createdAt'?: (number | string | Long);
  'updatedAt'?: (number | string | Long);
}

export interface Node__Output {
  'id': (string);
  'version': (number);
  'hostname': (string);
  /**
   * manager | worker
   */
  'role': (string);
  /**
   * active | pause | drain
   */
  'availability': (string);
  /**
   * unknown | down | ready | disconnected
   */
  'status': (string);
  'addr': (string);
  /**
   * leader | reachable | unreachable, or empty for workers
   */
  'managerStatus': (string);
  'labels': ({[key: string]: string});
  'createdAt': (number);
  'updatedAt': (number);
}
