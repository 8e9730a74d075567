// Original file: proto/control.proto


export interface _shoal_v1_ListNetworksRequest_Filters {
  /**
   * Exact names (any of them).
   */
  'names'?: (string)[];
  /**
   * ID prefixes (any of them).
   */
  'idPrefixes'?: (string)[];
}

export interface _shoal_v1_ListNetworksRequest_Filters__Output {
  /**
   * Exact names (any of them).
   */
  'names': (string)[];
  /**
   * ID prefixes (any of them).
   */
  'idPrefixes': (string)[];
}

export interface ListNetworksRequest {
  'filters'?: (_shoal_v1_ListNetworksRequest_Filters | null);
}

export interface ListNetworksRequest__Output {
  'filters': (_shoal_v1_ListNetworksRequest_Filters__Output | null);
}
