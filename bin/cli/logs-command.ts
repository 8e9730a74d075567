/**
 * `shoal service logs SERVICE|TASK`: the output of a service's tasks (or one task's) on every node, read
 * through the managers' Logs API (proto/logs.proto) on the daemon's socket, in docker's format:
 * `web.1.<task id>@<node>    | line`, stderr lines on stderr.
 */
import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import type { WireLogMessage } from '../../proto/logs-types.ts';
import type { CliIo, Connect } from './command-context.ts';
import { DaemonError, daemonStream, socketPathOfHost, type DaemonClient } from './daemon-client.ts';
import { shortId } from './format.ts';

interface LogsOptions {
  follow?: boolean;
  tail: string;
  trunc: boolean;
  taskIds: boolean;
  raw?: boolean;
}

/** What to subscribe to, and how wide slot numbers are printed (docker pads to the replica count's digits). */
interface Target {
  selector: { serviceIds: string[]; taskIds: string[] };
  slotWidth: number;
}

/** A service by ID, name or prefix, as docker resolves it; else a task by ID or prefix. */
async function targetOf(d: DaemonClient, ref: string): Promise<Target> {
  try {
    const s = await d.getService(ref);
    return {
      selector: { serviceIds: [s.id], taskIds: [] },
      slotWidth: String(Math.max(1, s.spec.replicas)).length,
    };
  } catch (err) {
    if (!(err instanceof DaemonError) || err.code !== grpc.status.NOT_FOUND) throw err;
  }
  try {
    const t = await d.getTask(ref);
    return { selector: { serviceIds: [], taskIds: [t.id] }, slotWidth: String(t.slot).length };
  } catch (err) {
    if (err instanceof DaemonError && err.code === grpc.status.NOT_FOUND) {
      throw new DaemonError(err.code, `No such service or task: ${ref}`);
    }
    throw err;
  }
}

function tailOf(v: string): number {
  if (v === 'all') return -1;
  if (!/^\d+$/.test(v)) throw new Error(`invalid value "${v}" for flag --tail: expected a number or "all"`);
  return Number(v);
}

/** The line's prefix: docker's task name (ID cut or not), the node, and the padding of short slots. */
function prefixOf(m: WireLogMessage, o: LogsOptions, slotWidth: number): string {
  const c = m.context;
  if (c === null) return '';
  const base = c.taskName.endsWith(`.${c.taskId}`) ? c.taskName.slice(0, -c.taskId.length - 1) : c.taskName;
  const name = o.taskIds && base !== c.taskName ? `${base}.${shortId(c.taskId, o.trunc)}` : base;
  const slot = base.slice(base.lastIndexOf('.') + 1);
  const pad = /^\d+$/.test(slot) ? Math.max(0, slotWidth - slot.length) : 0;
  return `${name}@${c.nodeHostname}${' '.repeat(pad)}    | `;
}

export function addServiceLogsCommand(service: Command, io: CliIo, connect: Connect): void {
  service
    .command('logs')
    .description('Fetch the logs of a service or task')
    .argument('<service|task>', 'service name, ID or ID prefix; or a task ID or ID prefix')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <lines>', 'Number of lines to show from the end of the logs', 'all')
    .option('--no-trunc', 'Do not truncate output')
    .option('--no-task-ids', 'Do not include task IDs in output')
    .option('--raw', 'Do not neatly format logs')
    .action(async (ref: string, opts: LogsOptions, cmd: Command) => {
      const tail = tailOf(opts.tail);
      const target = await targetOf(connect(cmd), ref);
      const unavailable: string[] = [];
      const socketPath = socketPathOfHost(cmd.optsWithGlobals<{ host: string }>().host);
      const req = { selector: target.selector, options: { follow: opts.follow === true, tail } };
      await daemonStream(socketPath, 'logs.proto', 'Logs', 'SubscribeLogs', req, m => {
        unavailable.push(...m.unavailableNodes);
        for (const l of m.messages) {
          const text = `${opts.raw === true ? '' : prefixOf(l, opts, target.slotWidth)}${l.data.toString()}\n`;
          if (l.stream === 'stderr') io.err(text);
          else io.out(text);
        }
      });
      if (unavailable.length > 0) {
        io.err(
          `error from daemon in stream: incomplete log stream: the logs of node(s) ${unavailable.join(', ')} could not be retrieved (not connected)\n`,
        );
      }
    });
}
