// Original file: proto/control.proto


export interface NetworkAttachment {
  'networkId'?: (string);
  /**
   * CIDR notation, e.g. 10.0.1.3/24; empty until allocated.
   */
  'addresses'?: (string)[];
}

export interface NetworkAttachment__Output {
  'networkId': (string);
  /**
   * CIDR notation, e.g. 10.0.1.3/24; empty until allocated.
   */
  'addresses': (string)[];
}
