/**
 * What an earlier agent may have left running in this node's namespaces: the DNS bind helpers, one per
 * task before the resolver became one per node (bind-helper.mjs: an agent killed mid scale-up left them
 * holding 127.0.0.11:53 and keeping deleted namespaces alive), and the per-node bind-in-netns.mjs. They
 * are found by their command line and by the network namespace they run in (one of ours, compared by
 * inode), and killed; nothing else on the machine is touched.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';

const HELPERS = ['/agent/dns/bind-helper.mjs', '/agent/dns/bind-in-netns.mjs'];

/** `dev:ino` of a namespace file, or undefined when it cannot be read. */
function nsId(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Kills the leftover DNS helpers running in the named network namespaces (names under /run/netns);
 * returns their pids.
 */
export function killLeftoverHelpers(namespaces: readonly string[]): number[] {
  const ours = new Set(namespaces.flatMap(n => nsId(`/run/netns/${n}`) ?? []));
  if (ours.size === 0) return [];
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (!argv.some(a => HELPERS.some(h => a.endsWith(h)))) continue;
    const ns = nsId(`/proc/${entry}/ns/net`);
    if (ns === undefined || !ours.has(ns)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}
