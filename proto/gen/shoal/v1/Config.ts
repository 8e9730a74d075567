// Original file: proto/control.proto

import type { Long } from '@grpc/proto-loader';

export interface Config {
  'id'?: (string);
  'version'?: (number | string | Long);
  'name'?: (string);
  'labels'?: ({[key: string]: string});
  'createdAt'?: (number | string | Long);
  'updatedAt'?: (number | string | Long);
}

export interface Config__Output {
  'id': (string);
  'version': (number);
  'name': (string);
  'labels': ({[key: string]: string});
  'createdAt': (number);
  'updatedAt': (number);
}
