// Original file: proto/control.proto


export interface VirtualIP {
  'networkId'?: (string);
  /**
   * CIDR notation, e.g. 10.0.1.2/24.
   */
  'addr'?: (string);
}

export interface VirtualIP__Output {
  'networkId': (string);
  /**
   * CIDR notation, e.g. 10.0.1.2/24.
   */
  'addr': (string);
}
