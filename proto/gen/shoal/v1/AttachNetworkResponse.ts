// Original file: proto/resource.proto


export interface AttachNetworkResponse {
  /**
   * The standalone task holding the attachment.
   */
  'attachmentId'?: (string);
  'networkId'?: (string);
  /**
   * CIDR notation, e.g. 10.0.2.3/24.
   */
  'addresses'?: (string)[];
}

export interface AttachNetworkResponse__Output {
  /**
   * The standalone task holding the attachment.
   */
  'attachmentId': (string);
  'networkId': (string);
  /**
   * CIDR notation, e.g. 10.0.2.3/24.
   */
  'addresses': (string)[];
}
