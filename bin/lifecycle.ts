/**
 * How shoald and `npm start` end: on SIGINT or SIGTERM the daemon stops cleanly and the process exits 0;
 * when the node's manager failed (its storage), it stops and exits 1, for a supervisor to restart it. A
 * second signal (a second Ctrl-C, or one forwarded by a wrapper) never cuts the clean-up short.
 */
import type { Daemon } from '../node/daemon.ts';

export interface Lifecycle {
  /** The daemon to stop once it exists (a failure can come while it is still starting). */
  started(daemon: Daemon): void;
  /** For DaemonOptions.onFatal: says why on stderr, stops, exits 1. */
  fatal(err: Error): void;
}

export function lifecycle(program: string): Lifecycle {
  let daemon: Daemon | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    (daemon?.stop() ?? Promise.resolve()).then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  return {
    started: d => {
      daemon = d;
    },
    fatal: err => {
      process.stderr.write(`${program}: ${err.message}\n`);
      stop(1);
    },
  };
}
