// Original file: proto/dispatcher.proto


export interface HeldNetwork {
  'networkId'?: (string);
  /**
   * 13 hex digits: the sum, modulo 2^52, of a 52-bit hash of each endpoint's bytes as sent.
   */
  'digest'?: (string);
}

export interface HeldNetwork__Output {
  'networkId': (string);
  /**
   * 13 hex digits: the sum, modulo 2^52, of a 52-bit hash of each endpoint's bytes as sent.
   */
  'digest': (string);
}
