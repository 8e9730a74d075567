// Original file: proto/control.proto


/**
 * What the leader's allocator gave a network.
 */
export interface NetworkAllocation {
  'subnet'?: (string);
  'gateway'?: (string);
  'vni'?: (number);
}

/**
 * What the leader's allocator gave a network.
 */
export interface NetworkAllocation__Output {
  'subnet': (string);
  'gateway': (string);
  'vni': (number);
}
