/**
 * The addresses `swarm init` and `swarm join` are given, completed and checked: where this node
 * listens, what it advertises, and the address pools and gateway range a new cluster allocates from.
 */
import {
  addressPoolProblem,
  DEFAULT_ADDRESS_POOLS,
  DEFAULT_GATEWAY_SUBNET,
  DEFAULT_SUBNET_SIZE,
} from '../server/allocator/index.ts';
import type { AddressPools } from '../server/store/index.ts';
import { InvalidSwarmRequestError } from './errors.ts';

/** `host:port`, with Swarm's port 2377 when `addr` names none. */
export function withPort(addr: string): string {
  return /:\d+$/.test(addr) ? addr : `${addr}:2377`;
}

/**
 * Where this node listens (default 0.0.0.0:2377) and the address it advertises (the listen host
 * when it names one; one listening everywhere must be told).
 */
export function addressesOf(req: { advertiseAddr: string; listenAddr: string }): {
  addr: string;
  listenAddr: string;
} {
  const listenAddr = withPort(req.listenAddr === '' ? '0.0.0.0:2377' : req.listenAddr);
  const listenHost = listenAddr.slice(0, listenAddr.lastIndexOf(':'));
  const port = listenAddr.slice(listenAddr.lastIndexOf(':') + 1);
  let advertise = req.advertiseAddr;
  if (advertise === '') {
    if (listenHost === '0.0.0.0' || listenHost === '') {
      throw new InvalidSwarmRequestError(
        'could not choose an IP address to advertise since this system has multiple addresses; use --advertise-addr',
      );
    }
    advertise = listenHost;
  }
  return { addr: advertise.includes(':') ? advertise : `${advertise}:${port}`, listenAddr };
}

/**
 * `swarm init --default-addr-pool … --default-addr-pool-mask-length N --gateway-subnet CIDR`, checked
 * together (no pool may overlap the gateway range); absent pools = the defaults.
 */
export function addressingOf(req: {
  defaultAddrPool?: string[];
  /** 0 = the default (24). */
  defaultAddrPoolMaskLength?: number;
  /** '' = the default (172.18.0.0/16). */
  gatewaySubnet?: string;
}): { addressPools?: AddressPools; gatewaySubnet: string } {
  const pools = req.defaultAddrPool ?? [];
  const mask = req.defaultAddrPoolMaskLength ?? 0;
  const gatewaySubnet =
    req.gatewaySubnet === undefined || req.gatewaySubnet === '' ? DEFAULT_GATEWAY_SUBNET : req.gatewaySubnet;
  const resolved = {
    pools: pools.length === 0 ? [...DEFAULT_ADDRESS_POOLS] : pools,
    subnetSize: mask === 0 ? DEFAULT_SUBNET_SIZE : mask,
  };
  const problem = addressPoolProblem(resolved.pools, resolved.subnetSize, gatewaySubnet);
  if (problem !== undefined) throw new InvalidSwarmRequestError(problem);
  return pools.length === 0 && mask === 0 ? { gatewaySubnet } : { addressPools: resolved, gatewaySubnet };
}
