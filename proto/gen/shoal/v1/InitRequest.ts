// Original file: proto/control.proto


export interface InitRequest {
  /**
   * host[:port] peers use to reach this manager; default: the listen address's host.
   */
  'advertiseAddr'?: (string);
  /**
   * host:port to listen on; default 0.0.0.0:2377.
   */
  'listenAddr'?: (string);
  /**
   * swarm init --default-addr-pool CIDR (repeatable): where overlay subnets are carved from; empty = 10.0.0.0/8.
   */
  'defaultAddrPool'?: (string)[];
  /**
   * swarm init --default-addr-pool-mask-length N: the prefix length of each subnet; 0 = the default (24).
   */
  'defaultAddrPoolMaskLength'?: (number);
  /**
   * swarm init --gateway-subnet CIDR: the range of every node's gateway bridge (tasks' eth1), /16 to /24,
   * overlapping no address pool; empty = 172.18.0.0/16.
   */
  'gatewaySubnet'?: (string);
  /**
   * swarm init --force-new-cluster: on a manager whose cluster lost its quorum for good, go on as the
   * only manager, keeping the cluster's state (without it, a node already in a swarm is refused).
   */
  'forceNewCluster'?: (boolean);
}

export interface InitRequest__Output {
  /**
   * host[:port] peers use to reach this manager; default: the listen address's host.
   */
  'advertiseAddr': (string);
  /**
   * host:port to listen on; default 0.0.0.0:2377.
   */
  'listenAddr': (string);
  /**
   * swarm init --default-addr-pool CIDR (repeatable): where overlay subnets are carved from; empty = 10.0.0.0/8.
   */
  'defaultAddrPool': (string)[];
  /**
   * swarm init --default-addr-pool-mask-length N: the prefix length of each subnet; 0 = the default (24).
   */
  'defaultAddrPoolMaskLength': (number);
  /**
   * swarm init --gateway-subnet CIDR: the range of every node's gateway bridge (tasks' eth1), /16 to /24,
   * overlapping no address pool; empty = 172.18.0.0/16.
   */
  'gatewaySubnet': (string);
  /**
   * swarm init --force-new-cluster: on a manager whose cluster lost its quorum for good, go on as the
   * only manager, keeping the cluster's state (without it, a node already in a swarm is refused).
   */
  'forceNewCluster': (boolean);
}
