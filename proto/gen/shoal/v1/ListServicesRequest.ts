// Original file: proto/control.proto


export interface _shoal_v1_ListServicesRequest_Filters {
  'names'?: (string)[];
  'idPrefixes'?: (string)[];
}

export interface _shoal_v1_ListServicesRequest_Filters__Output {
  'names': (string)[];
  'idPrefixes': (string)[];
}

export interface ListServicesRequest {
  'filters'?: (_shoal_v1_ListServicesRequest_Filters | null);
}

export interface ListServicesRequest__Output {
  'filters': (_shoal_v1_ListServicesRequest_Filters__Output | null);
}
