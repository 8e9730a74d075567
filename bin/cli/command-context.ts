/** What every `shoal` command is given: where it writes, how it reaches the daemon, how it fails. */
import type { Command } from 'commander';
import type { DaemonClient } from './daemon-client.ts';

/** Where the CLI writes, and which socket it talks to unless `--host` says otherwise. */
export interface CliIo {
  /** Writes to standard output; `s` carries its own newlines. */
  out(s: string): void;
  /** Writes to standard error; `s` carries its own newlines. */
  err(s: string): void;
  /** The daemon socket used when `--host` is not given (from SHOAL_HOST/SHOAL_SOCKET, or the default). */
  socketPath: string;
  /** Whether standard output is a terminal (progress is redrawn in place only there). @default false */
  isTTY?: boolean;
}

/** An error already worded for the user (e.g. several daemon errors, one per line); printed as is. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
}

/** Opens (once) the daemon connection named by the command's `--host`. */
export type Connect = (cmd: Command) => DaemonClient;
