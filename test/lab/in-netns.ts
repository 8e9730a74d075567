/** Running things inside a lab namespace, for the lab tests: a command, a TCP question, task commands. */
import { execFileSync } from 'node:child_process';

/** Answers each connection with the task's hostname (its task name). */
export const ECHO_NAME = ['busybox', 'nc', '-ll', '-p', '8080', '-e', 'cat', '/proc/sys/kernel/hostname'];
export const SLEEP = ['sleep', '100000'];

/** `argv` run in namespace `ns`: its output (throws on failure or after `timeout` ms). */
export function run(ns: string, argv: string[], timeout = 8000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout, stdio: 'pipe' });
}

/** What a TCP connection to host:port from namespace `ns` answers ('' if refused or silent). */
export function ask(ns: string, host: string, port: number): string {
  try {
    return run(ns, ['busybox', 'nc', '-w', '2', host, String(port)]).trim();
  } catch {
    return '';
  }
}
