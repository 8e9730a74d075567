/**
 * How much a request may carry on the manager port, and how much of it an answer may repeat. Each
 * method's limit is in the table beside the roles table (server/ca/authorize.ts); these are its sizes.
 */

/**
 * The largest Control API request, as etcd's --max-request-bytes: what one write may propose. Also the
 * limit of every other method a certificate is needed for, except Raft's.
 */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

/**
 * The largest request of a method anyone may call without a certificate (the CA bootstrap, health,
 * reflection): a CSR with a join token is a few KB.
 */
export const MAX_ANONYMOUS_REQUEST_BYTES = 64 * 1024;

/**
 * The largest gRPC message on the Raft service: the transport splits batches at it and sends
 * snapshots in chunks well under it, so no member sends a larger one.
 */
export const RAFT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** How many characters of a request's text an error message repeats. */
const ECHO_CHARS = 40;

/** `text` quoted for an error message, cut to ECHO_CHARS with an ellipsis: never echo unbounded input. */
export function quoted(text: string): string {
  return JSON.stringify(text.length > ECHO_CHARS ? `${text.slice(0, ECHO_CHARS)}…` : text);
}

/** A size for people: "64 KiB", "1.5 MiB", "100 bytes". */
export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['MiB', 1024 * 1024],
    ['KiB', 1024],
  ] as const) {
    if (n >= size) return `${Math.round((n / size) * 100) / 100} ${unit}`;
  }
  return `${n} bytes`;
}
