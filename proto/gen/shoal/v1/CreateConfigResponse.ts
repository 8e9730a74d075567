// Original file: proto/control.proto

import type { Config as _shoal_v1_Config, Config__Output as _shoal_v1_Config__Output } from '../../shoal/v1/Config.ts';

export interface CreateConfigResponse {
  'config'?: (_shoal_v1_Config | null);
}

export interface CreateConfigResponse__Output {
  'config': (_shoal_v1_Config__Output | null);
}
