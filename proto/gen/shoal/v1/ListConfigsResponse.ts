// Original file: proto/control.proto

import type { Config as _shoal_v1_Config, Config__Output as _shoal_v1_Config__Output } from '../../shoal/v1/Config.ts';

export interface ListConfigsResponse {
  'configs'?: (_shoal_v1_Config)[];
}

export interface ListConfigsResponse__Output {
  'configs': (_shoal_v1_Config__Output)[];
}
