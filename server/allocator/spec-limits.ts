/**
 * How large a service may be, counted as the store keeps it. Every task carries its service's task
 * template, so what one request writes fans out: a 1.7 MB argument of control bytes became 10 MB of JSON
 * per task, two tasks made a 20 MB Raft entry no transport would carry, and every write after it waited
 * behind it. Limits here keep each object well inside one write (server/raftnode: MAX_PROPOSAL_BYTES,
 * 1.5 MiB, etcd's --max-request-bytes), and the service's tasks together inside what a manager holds.
 */
import { formatBytes } from '../limits/limits.ts';
import type { ServiceSpec } from '../store/index.ts';

/** The largest service spec, as JSON: a service and its previous spec fit one write with room to spare. */
export const MAX_SERVICE_SPEC_BYTES = 256 * 1024;

/** The most replicas a service may ask for. */
export const MAX_REPLICAS = 100_000;

/** The most bytes one replicated service's tasks may hold together. */
export const MAX_SERVICE_TASKS_BYTES = 256 * 1024 * 1024;

/** A task's own fields besides its template and endpoint (ids, status, attachments), generously. */
const TASK_OVERHEAD_BYTES = 1024;

const encoder = new TextEncoder();

/** The bytes of `value` as JSON, as the store encodes it. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

/** The bytes one task of `spec` takes in the store, estimated from above. */
export function taskBytes(spec: ServiceSpec): number {
  return jsonBytes(spec.task) + jsonBytes(spec.endpoint) + 64 * spec.networks.length + TASK_OVERHEAD_BYTES;
}

/** What makes `spec` too large to keep (its size, its replicas, its tasks together), or undefined. */
export function serviceSizeProblem(spec: ServiceSpec): string | undefined {
  const bytes = jsonBytes(spec);
  if (bytes > MAX_SERVICE_SPEC_BYTES) {
    return `the service spec takes ${formatBytes(bytes)} as stored; at most ${formatBytes(MAX_SERVICE_SPEC_BYTES)} are allowed`;
  }
  if (!('replicated' in spec.mode)) return undefined;
  const replicas = spec.mode.replicated.replicas;
  if (replicas > MAX_REPLICAS) {
    return `invalid replicas ${replicas}: a service may have at most ${MAX_REPLICAS} replicas`;
  }
  const one = taskBytes(spec);
  if (replicas * one > MAX_SERVICE_TASKS_BYTES) {
    return `${replicas} replicas of a task of ${formatBytes(one)} would take ${formatBytes(replicas * one)}; a service's tasks may take at most ${formatBytes(MAX_SERVICE_TASKS_BYTES)} together: lower the replicas or make the spec smaller`;
  }
  return undefined;
}
