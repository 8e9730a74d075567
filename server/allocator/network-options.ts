/**
 * The driver options an overlay network may carry (`network create -o key=value`). Each one is
 * honoured by the data plane or refused here with the reason; an option nobody reads is never stored.
 */
import { quoted } from '../limits/limits.ts';
import { parseVxlanIdList, VXLANID_LIST_OPTION } from './vni-pool.ts';

/** The overlay's MTU: the bridge, the VXLAN device and every task's interface on it. */
export const MTU_OPTION = 'com.docker.network.driver.mtu';
/** Docker's IPsec (ESP) encryption of an overlay's VXLAN traffic. */
export const ENCRYPTED_OPTION = 'encrypted';

/** An Ethernet underlay of 1500 bytes less VXLAN's 50 bytes of headers, as Docker's overlay driver. */
export const DEFAULT_OVERLAY_MTU = 1450;
/** IPv4's minimum MTU. */
export const MIN_OVERLAY_MTU = 68;
/** A 9000-byte jumbo-frame underlay less VXLAN's headers: anything larger no underlay carries whole. */
export const MAX_OVERLAY_MTU = 8950;

/** The MTU an mtu option value asks for, or a readable problem. */
export function parseMtuOption(text: string): { mtu: number } | { problem: string } {
  const range = `between ${MIN_OVERLAY_MTU} and ${MAX_OVERLAY_MTU}`;
  if (!/^[0-9]{1,6}$/.test(text.trim())) {
    return { problem: `invalid ${MTU_OPTION} ${quoted(text)}: expected a whole number ${range}` };
  }
  const mtu = Number(text.trim());
  if (mtu < MIN_OVERLAY_MTU || mtu > MAX_OVERLAY_MTU) {
    return { problem: `invalid MTU ${mtu}: must be ${range} (the underlay carries it plus 50 bytes)` };
  }
  return { mtu };
}

/** The network's MTU from its (checked) driver options: the option's, else the default. */
export function overlayMtu(options: Readonly<Record<string, string>>): number {
  const text = options[MTU_OPTION];
  if (text === undefined) return DEFAULT_OVERLAY_MTU;
  const parsed = parseMtuOption(text);
  return 'mtu' in parsed ? parsed.mtu : DEFAULT_OVERLAY_MTU;
}

/** What is wrong with an overlay network's driver options, or undefined. */
export function driverOptionsProblem(options: Readonly<Record<string, string>>): string | undefined {
  for (const [key, value] of Object.entries(options)) {
    switch (key) {
      case VXLANID_LIST_OPTION: {
        const pinned = parseVxlanIdList(value);
        if ('problem' in pinned) return pinned.problem;
        break;
      }
      case MTU_OPTION: {
        const mtu = parseMtuOption(value);
        if ('problem' in mtu) return mtu.problem;
        break;
      }
      case ENCRYPTED_OPTION:
        // Checked on this machine kind's kernel: CONFIG_INET_ESP is not set, so xfrm refuses every ESP
        // state ("Requested type not found"); and the data plane has no IPsec of its own. Accepting the
        // option would carry the network's traffic in the clear while it claims to be encrypted.
        return (
          'encrypted overlay networks are not supported: the nodes have no IPsec (the kernel lacks ESP, so xfrm ' +
          'cannot encrypt VXLAN traffic) and the network would carry its traffic unencrypted; leave out -o encrypted'
        );
      default:
        return (
          `network driver option ${quoted(key)} is not supported: the overlay driver takes ` +
          `${VXLANID_LIST_OPTION} and ${MTU_OPTION}`
        );
    }
  }
  return undefined;
}
