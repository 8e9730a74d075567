// Original file: proto/resource.proto


export interface AttachNetworkRequest {
  /**
   * A network ID, name or unique ID prefix.
   */
  'networkId'?: (string);
  /**
   * Addresses asked for (CIDR notation, within the subnet); empty = the next free one.
   */
  'addresses'?: (string)[];
  /**
   * The standalone task's name (`shoal run --name`), by which other tasks on the network find it.
   */
  'name'?: (string);
  /**
   * What the node runs in it (argv), and its environment (K=V): kept on the attachment task, which the
   * node's agent runs like any task assigned to it.
   */
  'command'?: (string)[];
  'env'?: (string)[];
}

export interface AttachNetworkRequest__Output {
  /**
   * A network ID, name or unique ID prefix.
   */
  'networkId': (string);
  /**
   * Addresses asked for (CIDR notation, within the subnet); empty = the next free one.
   */
  'addresses': (string)[];
  /**
   * The standalone task's name (`shoal run --name`), by which other tasks on the network find it.
   */
  'name': (string);
  /**
   * What the node runs in it (argv), and its environment (K=V): kept on the attachment task, which the
   * node's agent runs like any task assigned to it.
   */
  'command': (string)[];
  'env': (string)[];
}
