/**
 * `shoal service create|ls|ps|inspect|update|scale|rm`: docker's flags, columns, `inspect` JSON and
 * texts for services, whose tasks run a command (there are no images), over the daemon's Control API.
 * The display functions are exported and pure, for tests; the commands do the I/O around them.
 */
import type { Command } from 'commander';
import type {
  WirePortConfig,
  WireService,
  WireServiceSpec,
  WireTask,
  WireUpdateStatus,
} from '../../proto/control-types.ts';
import { CommandFailedError, type CliIo, type Connect } from './command-context.ts';
import { DaemonError, type DaemonClient, type WireNode } from './daemon-client.ts';
import { waitOnService } from './service-progress.ts';
import { addServiceLogsCommand } from './logs-command.ts';
import {
  alignColumns,
  capitalize,
  compileTemplate,
  compileValueTemplate,
  humanDuration,
  naturalCompare,
  prettyLine,
  renderTemplate,
  shortId,
  type Template,
} from './format.ts';
import {
  buildServiceSpec,
  formatDuration,
  fullSpec,
  networkRefs,
  parseScale,
  parseUint,
  updateServiceSpec,
  type CreateFlags,
  type UpdateFlags,
} from './service-spec.ts';

// ---- display (pure) ----

/** Milliseconds → the nanoseconds docker's JSON carries durations in. */
function ns(ms: number): number {
  return ms * 1_000_000;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function portObject(p: WirePortConfig): Record<string, unknown> {
  return {
    ...(p.name === '' ? {} : { Name: p.name }),
    Protocol: p.protocol || 'tcp',
    TargetPort: p.targetPort,
    PublishedPort: p.publishedPort,
    PublishMode: p.publishMode || 'ingress',
  };
}

/** docker's `Spec` (swarm.ServiceSpec) for a spec, defaults spelled out, empty lists left out as Go's omitempty does. */
export function specObject(spec: WireServiceSpec): Record<string, unknown> {
  const s = fullSpec(spec);
  const { task, update, endpoint } = s;
  return {
    Name: s.name,
    Labels: sortedRecord(s.labels),
    TaskTemplate: {
      ContainerSpec: {
        ...(task.command.length === 0 ? {} : { Command: task.command }),
        ...(task.args.length === 0 ? {} : { Args: task.args }),
        ...(task.env.length === 0 ? {} : { Env: task.env }),
        StopGracePeriod: ns(task.stopGracePeriodMs),
      },
      RestartPolicy: {
        Condition: task.restart.condition,
        Delay: ns(task.restart.delayMs),
        MaxAttempts: task.restart.maxAttempts,
      },
      Placement: task.constraints.length === 0 ? {} : { Constraints: task.constraints },
      ...(s.networks.length === 0 ? {} : { Networks: s.networks.map(n => ({ Target: n })) }),
    },
    Mode: s.mode === 'global' ? { Global: {} } : { Replicated: { Replicas: s.replicas } },
    UpdateConfig: {
      Parallelism: update.parallelism,
      ...(update.delayMs === 0 ? {} : { Delay: ns(update.delayMs) }),
      FailureAction: update.failureAction,
      Monitor: ns(update.monitorMs),
      MaxFailureRatio: update.maxFailureRatio,
      Order: update.order,
    },
    EndpointSpec: {
      Mode: endpoint.mode,
      ...(endpoint.ports.length === 0 ? {} : { Ports: endpoint.ports.map(portObject) }),
    },
  };
}

/** docker's `service inspect` object (swarm.Service), cut to the fields Shoal has. */
export function inspectService(s: WireService): Record<string, unknown> {
  const spec = specObject(s.spec);
  const e = s.endpoint;
  return {
    ID: s.id,
    Version: { Index: s.version },
    CreatedAt: new Date(s.createdAt).toISOString(),
    UpdatedAt: new Date(s.updatedAt).toISOString(),
    Spec: spec,
    ...(s.previousSpec === null ? {} : { PreviousSpec: specObject(s.previousSpec) }),
    Endpoint: {
      Spec: spec.EndpointSpec,
      ...(e === null || e.ports.length === 0 ? {} : { Ports: e.ports.map(portObject) }),
      ...(e === null || e.virtualIps.length === 0
        ? {}
        : { VirtualIPs: e.virtualIps.map(v => ({ NetworkID: v.networkId, Addr: v.addr })) }),
    },
    ...(s.updateStatus === null ? {} : { UpdateStatus: updateStatusObject(s.updateStatus) }),
  };
}

/** docker's `UpdateStatus` (swarm.UpdateStatus): times as RFC 3339, CompletedAt only once completed. */
function updateStatusObject(u: WireUpdateStatus): Record<string, unknown> {
  return {
    State: u.state,
    StartedAt: new Date(u.startedAt).toISOString(),
    ...(u.completedAt === 0 ? {} : { CompletedAt: new Date(u.completedAt).toISOString() }),
    Message: u.message,
  };
}

/** The top-level fields `service inspect --format` paths may start with. */
export const INSPECT_ROOTS = [
  'ID',
  'Version',
  'CreatedAt',
  'UpdatedAt',
  'Spec',
  'PreviousSpec',
  'Endpoint',
  'UpdateStatus',
];

/** Unsigned 32-bit subtraction, as Go's `a-b > 1` on uint32 ports sees it: a wrap-around is a gap. */
function gap(a: number, b: number): boolean {
  return a < b || a - b > 1;
}

/**
 * docker's PORTS column of `service ls`: ingress-published ports sorted by protocol then published
 * port, consecutive ones merged into ranges: `*:9000->80/tcp`, `*:8000-8001->80-81/tcp`.
 */
export function servicePorts(ports: readonly WirePortConfig[]): string {
  const sorted = ports
    .map(p => ({ ...p, protocol: p.protocol || 'tcp', publishMode: p.publishMode || 'ingress' }))
    .sort((a, b) =>
      a.protocol === b.protocol ? a.publishedPort - b.publishedPort : a.protocol < b.protocol ? -1 : 1,
    );
  const out: string[] = [];
  let r = { pStart: 0, pEnd: 0, tStart: 0, tEnd: 0, protocol: '' };
  const show = (): string => {
    const pub = r.pEnd > r.pStart ? `${r.pStart}-${r.pEnd}` : `${r.pStart}`;
    const tgt = r.tEnd > r.tStart ? `${r.tStart}-${r.tEnd}` : `${r.tStart}`;
    return `*:${pub}->${tgt}/${r.protocol}`;
  };
  for (const p of sorted) {
    if (p.publishMode !== 'ingress') continue;
    const isRange = r.tEnd !== r.tStart;
    const overlaps = p.targetPort <= r.tEnd;
    if (
      p.protocol !== r.protocol ||
      gap(p.publishedPort, r.pEnd) ||
      gap(p.targetPort, r.tEnd) ||
      (isRange && overlaps)
    ) {
      if (r.pStart > 0) out.push(show());
      r = {
        pStart: p.publishedPort,
        pEnd: p.publishedPort,
        tStart: p.targetPort,
        tEnd: p.targetPort,
        protocol: p.protocol,
      };
      continue;
    }
    r.pEnd = p.publishedPort;
    r.tEnd = p.targetPort;
  }
  if (r.pStart > 0) out.push(show());
  return out.join(', ');
}

/** The `{{.Field}}` placeholders `service ls --format` offers, with their `table` headers. */
export const SERVICE_FORMAT_HEADERS = {
  ID: 'ID',
  Name: 'NAME',
  Mode: 'MODE',
  Replicas: 'REPLICAS',
  Ports: 'PORTS',
} as const;
type ServiceField = keyof typeof SERVICE_FORMAT_HEADERS;

/** Task states after which a task no longer counts toward a global service's desired tasks. */
const ENDED_DESIRED_STATES = new Set(['shutdown', 'remove']);

/**
 * One `service ls` row. REPLICAS is docker's `running/desired`: tasks running on a node that is not
 * down, over the replicas asked for (a global service: its tasks not meant to shut down).
 * `liveNodes` holds the IDs of the nodes that are not down.
 */
export function serviceRow(
  s: WireService,
  tasks: readonly WireTask[],
  liveNodes: ReadonlySet<string>,
  trunc = true,
): Record<ServiceField, string> {
  const own = tasks.filter(t => t.serviceId === s.id);
  const running = own.filter(t => t.status.state === 'running' && liveNodes.has(t.nodeId)).length;
  const global = s.spec.mode === 'global';
  const desired = global
    ? own.filter(t => !ENDED_DESIRED_STATES.has(t.desiredState)).length
    : s.spec.replicas;
  return {
    ID: shortId(s.id, trunc),
    Name: s.spec.name,
    Mode: global ? 'global' : 'replicated',
    Replicas: `${running}/${desired}`,
    Ports: servicePorts(s.endpoint?.ports ?? s.spec.endpoint?.ports ?? []),
  };
}

/** The `{{.Field}}` placeholders `service ps --format` offers, with their `table` headers. */
export const TASK_FORMAT_HEADERS = {
  ID: 'ID',
  Name: 'NAME',
  Node: 'NODE',
  DesiredState: 'DESIRED STATE',
  CurrentState: 'CURRENT STATE',
  Error: 'ERROR',
  Ports: 'PORTS',
} as const;
type TaskField = keyof typeof TASK_FORMAT_HEADERS;

/** docker cuts task errors to this many characters in tables, unless `--no-trunc`. */
const MAX_ERROR_LENGTH = 30;

/** A task's name as docker shows it: `<service>.<slot>`, or `<service>.<node ID>` for a global task. */
export function taskName(serviceName: string, t: WireTask): string {
  return `${serviceName}.${t.slot !== 0 ? t.slot : t.nodeId}`;
}

/** docker's CURRENT STATE: `Running 3 seconds ago`, `Pending less than a second ago`. */
export function currentState(t: WireTask, nowMs: number): string {
  const ago = humanDuration(Math.max(0, nowMs - t.status.timestamp)).toLowerCase();
  return `${capitalize(t.status.state)} ${ago} ago`;
}

/** docker's ERROR column: quoted, cut to 30 characters with an ellipsis unless `trunc` is false. */
function taskError(err: string, trunc: boolean): string {
  const chars = [...err];
  const shown =
    trunc && chars.length > MAX_ERROR_LENGTH ? `${chars.slice(0, MAX_ERROR_LENGTH - 1).join('')}…` : err;
  return shown === '' ? '' : `"${shown}"`;
}

/**
 * `service ps` rows in docker's order (by task name, then newest first), with docker's ` \_ ` before
 * the older tasks of a slot when `indent` (table output). `serviceNames` and `hostnames` map IDs to
 * names; an unknown node shows its ID, as docker's resolver does.
 */
export function taskRows(
  tasks: readonly WireTask[],
  serviceNames: ReadonlyMap<string, string>,
  hostnames: ReadonlyMap<string, string>,
  opts: { nowMs: number; trunc: boolean; indent: boolean },
): Record<TaskField, string>[] {
  const named = tasks.map(t => ({ t, name: taskName(serviceNames.get(t.serviceId) ?? t.serviceId, t) }));
  named.sort(
    (a, b) =>
      naturalCompare(a.name, b.name) ||
      b.t.createdAt - a.t.createdAt ||
      // Created in the same write: the one whose state changed last is taken as the newer.
      b.t.status.timestamp - a.t.status.timestamp,
  );
  let previous = '';
  return named.map(({ t, name }) => {
    const shown = opts.indent && name === previous ? ` \\_ ${name}` : name;
    previous = name;
    return {
      ID: shortId(t.id, opts.trunc),
      Name: shown,
      Node: t.nodeId === '' ? '' : (hostnames.get(t.nodeId) ?? t.nodeId),
      DesiredState: capitalize(t.desiredState),
      CurrentState: currentState(t, opts.nowMs),
      Error: taskError(t.status.err, opts.trunc),
      // Host-mode ports are the ones a task publishes itself (docker's PortStatus).
      Ports: (t.endpoint?.ports ?? [])
        .filter(p => p.publishMode === 'host')
        .map(p => `*:${p.publishedPort}->${p.targetPort}/${p.protocol || 'tcp'}`)
        .join(','),
    };
  });
}

/** docker's `service inspect --pretty` view, cut to the fields Shoal has; `networkName` maps IDs. */
export function prettyService(s: WireService, networkName: (id: string) => string): string {
  const spec = fullSpec(s.spec);
  const { task, update, endpoint } = spec;
  let out = prettyLine('ID', s.id) + prettyLine('Name', spec.name);
  const labels = Object.entries(sortedRecord(spec.labels));
  if (labels.length > 0)
    out += `Labels:\n${labels.map(([k, v]) => ` ${k}${v === '' ? '' : `=${v}`}\n`).join('')}`;
  if (spec.mode === 'global') out += prettyLine('Service Mode', 'Global');
  else out += prettyLine('Service Mode', 'Replicated') + prettyLine(' Replicas', String(spec.replicas));
  out += 'Placement:\n';
  if (task.constraints.length > 0) out += prettyLine(' Constraints', `[${task.constraints.join(' ')}]`);
  out += 'UpdateConfig:\n' + prettyLine(' Parallelism', String(update.parallelism));
  if (update.delayMs > 0) out += prettyLine(' Delay', formatDuration(update.delayMs));
  out += prettyLine(' On failure', update.failureAction);
  out += prettyLine(' Monitoring Period', formatDuration(update.monitorMs));
  out += prettyLine(' Max failure ratio', String(update.maxFailureRatio));
  out += prettyLine(' Update order', update.order);
  out += 'RestartPolicy:\n' + prettyLine(' Condition', task.restart.condition);
  out += prettyLine(' Delay', formatDuration(task.restart.delayMs));
  if (task.restart.maxAttempts > 0) out += prettyLine(' Max attempts', String(task.restart.maxAttempts));
  out += 'ContainerSpec:\n' + prettyLine(' Command', task.command.join(' '));
  if (task.args.length > 0) out += prettyLine(' Args', task.args.join(' '));
  if (task.env.length > 0) out += prettyLine(' Env', task.env.join(' '));
  out += prettyLine(' StopGracePeriod', formatDuration(task.stopGracePeriodMs));
  if (spec.networks.length > 0) out += `Networks: ${spec.networks.map(networkName).join(' ')}\n`;
  out += prettyLine('Endpoint Mode', endpoint.mode);
  const ports = s.endpoint?.ports ?? endpoint.ports;
  if (ports.length > 0) {
    out += 'Ports:\n';
    for (const p of ports) {
      out +=
        ` PublishedPort = ${p.publishedPort}\n  Protocol = ${p.protocol || 'tcp'}\n` +
        `  TargetPort = ${p.targetPort}\n  PublishMode = ${p.publishMode || 'ingress'}\n`;
    }
  }
  return out;
}

// ---- commands ----

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function formatHelp(fields: readonly string[]): string {
  return `Format output using a custom template: 'table', 'table TEMPLATE', or a template with ${fields
    .map(f => `{{.${f}}}`)
    .join(', ')}`;
}

/** The `--filter key=value` flags as key → values, refusing keys not in `allowed`. */
function parseFilters(flags: readonly string[], allowed: readonly string[]): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq < 0) throw new CommandFailedError('bad format of filter (expected name=value)');
    const key = flag.slice(0, eq).toLowerCase();
    if (!allowed.includes(key))
      throw new CommandFailedError(`Error response from daemon: invalid filter '${key}'`);
    filters.set(key, [...(filters.get(key) ?? []), flag.slice(eq + 1)]);
  }
  return filters;
}

/** `--format` handling shared by `ls` and `ps`: a compiled custom template, or undefined for the table. */
function listTemplate(
  io: CliIo,
  opts: { quiet?: boolean; format?: string },
  fields: readonly string[],
): Template | undefined {
  const custom = opts.format !== undefined && opts.format !== '' && opts.format !== 'table';
  if (custom && opts.quiet === true) {
    io.err('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  }
  return custom && opts.quiet !== true ? compileTemplate(opts.format ?? '', fields) : undefined;
}

/** Runs `fn` with `connect`'s client (the service calls and the node calls on one connection). */
function withDaemon<T>(connect: Connect, cmd: Command, fn: (d: DaemonClient) => Promise<T>): Promise<T> {
  return fn(connect(cmd));
}

/** Runs `fn` for each ref, as docker does: everything that can be done is, then every failure is reported. */
async function eachRef(refs: readonly string[], fn: (ref: string) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  for (const ref of refs) {
    try {
      await fn(ref);
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      failures.push(err.message);
    }
  }
  if (failures.length > 0) throw new CommandFailedError(failures.join('\n'));
}

function liveNodeIds(nodes: readonly WireNode[]): Set<string> {
  return new Set(nodes.filter(n => n.status !== 'down').map(n => n.id));
}

const DETACH_HELP = 'Exit immediately instead of waiting for the service to converge';

/**
 * Unless `--detach`: docker's convergence progress for one service (printing nothing with `--quiet`).
 * Frames are redrawn only on a terminal (`io.isTTY`).
 */
async function converge(
  io: CliIo,
  d: DaemonClient,
  serviceId: string,
  opts: { detach?: boolean; quiet?: boolean },
): Promise<void> {
  if (opts.detach === true) return;
  const tty = io.isTTY === true;
  try {
    await waitOnService(d, serviceId, { out: s => io.out(s), tty, quiet: opts.quiet === true });
  } catch (err) {
    if (err instanceof DaemonError) throw err;
    throw new CommandFailedError((err as Error).message);
  }
}

interface CreateOptions extends CreateFlags {
  detach?: boolean;
  quiet?: boolean;
}

interface UpdateOptions extends UpdateFlags {
  detach?: boolean;
  quiet?: boolean;
}

/** The flags `service create` and `service update` share, set on `cmd`. */
function addFieldOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint-mode <mode>', 'Endpoint mode (vip or dnsrr)')
    .option(
      '--update-parallelism <n>',
      'Maximum number of tasks updated simultaneously (0 to update all at once)',
    )
    .option('--update-delay <duration>', 'Delay between updates (ns|us|ms|s|m|h)')
    .option('--update-failure-action <action>', 'Action on update failure ("pause", "continue", "rollback")')
    .option(
      '--update-monitor <duration>',
      'Duration after each task update to monitor for failure (ns|us|ms|s|m|h)',
    )
    .option('--update-max-failure-ratio <ratio>', 'Failure rate to tolerate during an update')
    .option('--update-order <order>', 'Update order ("start-first", "stop-first")')
    .option('--restart-condition <condition>', 'Restart when condition is met ("none", "on-failure", "any")')
    .option('--restart-delay <duration>', 'Delay between restart attempts (ns|us|ms|s|m|h)')
    .option('--restart-max-attempts <n>', 'Maximum number of restarts before giving up')
    .option('--stop-grace-period <duration>', 'Time to wait before force killing a task (ns|us|ms|s|m|h)')
    .option('-d, --detach', DETACH_HELP)
    .option('-q, --quiet', 'Suppress progress output');
}

export function addServiceCommands(service: Command, io: CliIo, connect: Connect): void {
  // COMMAND [ARG...] ends the flags, as docker's IMAGE does: what follows goes to the task as is.
  service.enablePositionalOptions();

  addFieldOptions(
    service
      .command('create')
      .description('Create a new service')
      .argument('<command>', 'the program every task runs')
      .argument('[args...]', 'its arguments')
      .passThroughOptions()
      .option('--name <name>', 'Service name')
      .option('--replicas <n>', 'Number of tasks (default 1)')
      .option('--mode <mode>', 'Service mode ("replicated" or "global")')
      .option('--network <network>', 'Network attachments', collect, [])
      .option('-p, --publish <port>', 'Publish a port as a node port', collect, [])
      .option('--constraint <expr>', 'Placement constraints', collect, [])
      .option('-e, --env <k=v>', 'Set environment variables', collect, [])
      .option('-l, --label <k=v>', 'Service labels', collect, []),
  ).action(async (command: string, args: string[], opts: CreateOptions, cmd: Command) => {
    const spec = buildServiceSpec(opts, command, args);
    await withDaemon(connect, cmd, async d => {
      const created = await d.createService(spec);
      io.out(`${created.id}\n`);
      await converge(io, d, created.id, opts);
    });
  });

  service
    .command('ls')
    .alias('list')
    .description('List services')
    .option('-q, --quiet', 'Only display IDs')
    .option('--no-trunc', 'Do not truncate the output')
    .option(
      '-f, --filter <filter>',
      'Filter output based on conditions provided (id, name, mode, label)',
      collect,
      [],
    )
    .option('--format <template>', formatHelp(Object.keys(SERVICE_FORMAT_HEADERS)))
    .action(
      async (opts: { quiet?: boolean; trunc: boolean; filter: string[]; format?: string }, cmd: Command) => {
        const template = listTemplate(io, opts, Object.keys(SERVICE_FORMAT_HEADERS));
        const filters = parseFilters(opts.filter, ['id', 'name', 'mode', 'label']);
        await withDaemon(connect, cmd, async d => {
          const services = (await d.listServices())
            .filter(s => matchesService(s, filters))
            .sort((a, b) => naturalCompare(a.spec.name, b.spec.name));
          if (opts.quiet === true) {
            io.out(services.map(s => `${shortId(s.id, opts.trunc)}\n`).join(''));
            return;
          }
          const [tasks, nodes] =
            services.length === 0
              ? [[], []]
              : await Promise.all([d.listTasks({ serviceIds: services.map(s => s.id) }), d.listNodes()]);
          const live = liveNodeIds(nodes);
          const rows = services.map(s => serviceRow(s, tasks, live, opts.trunc));
          if (template !== undefined) {
            io.out(renderTemplate(template, SERVICE_FORMAT_HEADERS, rows));
            return;
          }
          io.out(
            alignColumns([
              ['ID', 'NAME', 'MODE', 'REPLICAS', 'PORTS'],
              ...rows.map(r => [r.ID, r.Name, r.Mode, r.Replicas, r.Ports]),
            ]),
          );
        });
      },
    );

  service
    .command('ps')
    .description('List the tasks of one or more services')
    .argument('<service...>', 'service names, IDs or ID prefixes')
    .option('-q, --quiet', 'Only display task IDs')
    .option('--no-trunc', 'Do not truncate output')
    .option(
      '-f, --filter <filter>',
      'Filter output based on conditions provided (desired-state, node, id, name)',
      collect,
      [],
    )
    .option('--format <template>', formatHelp(Object.keys(TASK_FORMAT_HEADERS)))
    .action(
      async (
        refs: string[],
        opts: { quiet?: boolean; trunc: boolean; filter: string[]; format?: string },
        cmd: Command,
      ) => {
        const template = listTemplate(io, opts, Object.keys(TASK_FORMAT_HEADERS));
        const filters = parseFilters(opts.filter, ['desired-state', 'node', 'id', 'name']);
        await withDaemon(connect, cmd, async d => {
          // docker finds every service first and lists nothing if one is missing.
          const services: WireService[] = [];
          const failures: string[] = [];
          for (const ref of refs) {
            try {
              services.push(await d.getService(ref));
            } catch (err) {
              if (!(err instanceof DaemonError)) throw err;
              failures.push(err.message);
            }
          }
          if (failures.length > 0) throw new CommandFailedError(failures.join('\n'));
          const [tasks, nodes] = await Promise.all([
            d.listTasks({ serviceIds: [...new Set(services.map(s => s.id))] }),
            d.listNodes(),
          ]);
          const hostnames = new Map(nodes.map(n => [n.id, n.hostname]));
          const serviceNames = new Map(services.map(s => [s.id, s.spec.name]));
          const shown = tasks.filter(t => matchesTask(t, filters, nodes, serviceNames));
          const rows = taskRows(shown, serviceNames, hostnames, {
            nowMs: Date.now(),
            trunc: opts.trunc,
            indent: template === undefined || template.table,
          });
          if (opts.quiet === true) io.out(rows.map(r => `${r.ID}\n`).join(''));
          else if (template !== undefined) io.out(renderTemplate(template, TASK_FORMAT_HEADERS, rows));
          else {
            io.out(
              alignColumns([
                ['ID', 'NAME', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR', 'PORTS'],
                ...rows.map(r => [r.ID, r.Name, r.Node, r.DesiredState, r.CurrentState, r.Error, r.Ports]),
              ]),
            );
          }
        });
      },
    );

  service
    .command('inspect')
    .description('Display detailed information on one or more services')
    .argument('<service...>', 'service names, IDs or ID prefixes')
    .option('-f, --format <template>', 'Format output using a template: {{.Path.To.Field}}, {{json .Path}}')
    .option('--pretty', 'Print the information in a human friendly format')
    .action(async (refs: string[], opts: { format?: string; pretty?: boolean }, cmd: Command) => {
      if (opts.pretty === true && opts.format !== undefined && opts.format !== '') {
        throw new CommandFailedError('--format is incompatible with human friendly format');
      }
      const template =
        opts.format === undefined || opts.format === ''
          ? undefined
          : compileValueTemplate(opts.format, INSPECT_ROOTS);
      await withDaemon(connect, cmd, async d => {
        const found: WireService[] = [];
        let failure: unknown;
        await eachRef(refs, async ref => {
          found.push(await d.getService(ref));
        }).catch((err: unknown) => {
          failure = err;
        });
        if (opts.pretty === true) {
          const networks = found.some(s => s.spec.networks.length > 0) ? await d.listNetworks() : [];
          const names = new Map(networks.map(n => [n.id, n.spec.name]));
          io.out(found.map(s => prettyService(s, id => names.get(id) ?? id)).join('\n\n'));
        } else if (template !== undefined) {
          io.out(found.map(s => `${template.render(inspectService(s))}\n`).join(''));
        } else {
          io.out(`${JSON.stringify(found.map(inspectService), null, 2)}\n`);
        }
        if (failure !== undefined) throw failure;
      });
    });

  addFieldOptions(
    service
      .command('update')
      .description('Update a service')
      .argument('<service>', 'service name, ID or ID prefix')
      .option('--replicas <n>', 'Number of tasks')
      .option('--args <command>', 'Service command args')
      .option('--env-add <k=v>', 'Add or update an environment variable', collect, [])
      .option('--env-rm <k>', 'Remove an environment variable', collect, [])
      .option('--constraint-add <expr>', 'Add or update a placement constraint', collect, [])
      .option('--constraint-rm <expr>', 'Remove a constraint', collect, [])
      .option('--network-add <network>', 'Add a network', collect, [])
      .option('--network-rm <network>', 'Remove a network', collect, [])
      .option('--publish-add <port>', 'Add or update a published port', collect, [])
      .option('--publish-rm <port>', 'Remove a published port by its target port', collect, [])
      .option('--label-add <k=v>', 'Add or update a service label', collect, [])
      .option('--label-rm <k>', 'Remove a label by its key', collect, []),
  ).action(async (ref: string, opts: UpdateOptions, cmd: Command) => {
    // Parsed once before connecting, so a bad flag fails even without a daemon.
    updateServiceSpec(emptySpec(), { ...opts, networkAdd: [], networkRm: [] }, new Map());
    await withDaemon(connect, cmd, async d => {
      const current = await d.getService(ref);
      const ids = new Map<string, string>();
      for (const net of networkRefs(opts)) ids.set(net, (await d.getNetwork(net)).id);
      const spec = updateServiceSpec(current.spec, opts, ids);
      // The version read: a change made since is refused ("update out of sequence"), not undone.
      await d.updateService(current.id, current.version, spec);
      io.out(`${ref}\n`);
      await converge(io, d, current.id, opts);
    });
  });

  service
    .command('scale')
    .description('Scale one or multiple replicated services')
    .argument('<service=replicas...>', 'services and their numbers of tasks')
    .option('-d, --detach', DETACH_HELP)
    .action(async (args: string[], opts: { detach?: boolean }, cmd: Command) => {
      const pairs = args.map(arg => {
        const pair = parseScale(arg);
        if (pair === undefined) {
          cmd.error(`Invalid scale specifier '${arg}'.\nSee 'shoal service scale --help'.`, {
            exitCode: 2,
            code: 'shoal.invalidScale',
          });
        }
        return pair;
      });
      await withDaemon(connect, cmd, async d => {
        const failures: string[] = [];
        const scaled: { ref: string; id: string }[] = [];
        for (const { service: ref, replicas } of pairs) {
          try {
            let n: number;
            try {
              n = parseUint(replicas, 64);
            } catch (err) {
              throw new CommandFailedError(`invalid replicas value ${replicas}: ${(err as Error).message}`);
            }
            const s = await d.getService(ref);
            if (s.spec.mode === 'global') {
              throw new CommandFailedError('scale can only be used with replicated mode');
            }
            await d.updateService(s.id, s.version, { ...s.spec, replicas: n });
            io.out(`${ref} scaled to ${n}\n`);
            scaled.push({ ref, id: s.id });
          } catch (err) {
            if (!(err instanceof DaemonError || err instanceof CommandFailedError)) throw err;
            failures.push(`${ref}: ${err.message}`);
          }
        }
        // As docker: every service is scaled first, then each one's progress in turn.
        for (const { ref, id } of scaled) {
          try {
            await converge(io, d, id, opts);
          } catch (err) {
            if (!(err instanceof DaemonError || err instanceof CommandFailedError)) throw err;
            failures.push(`${ref}: ${err.message}`);
          }
        }
        if (failures.length > 0) throw new CommandFailedError(failures.join('\n'));
      });
    });

  service
    .command('rm')
    .alias('remove')
    .description('Remove one or more services')
    .argument('<service...>', 'service names, IDs or ID prefixes')
    .action(async (refs: string[], _opts: object, cmd: Command) => {
      await withDaemon(connect, cmd, d =>
        eachRef(refs, async ref => {
          await d.removeService(ref);
          io.out(`${ref}\n`);
        }),
      );
    });

  addServiceLogsCommand(service, io, connect);
}

function emptySpec(): WireServiceSpec {
  return {
    name: '',
    labels: {},
    mode: '',
    replicas: 0,
    task: null,
    networks: [],
    endpoint: null,
    update: null,
  };
}

/** `service ls --filter`: id and name by prefix (as docker's daemon matches them), mode, label `k` or `k=v`. */
function matchesService(s: WireService, filters: Map<string, string[]>): boolean {
  return [...filters].every(([key, values]) =>
    values.some(v => {
      switch (key) {
        case 'id':
          return s.id.startsWith(v);
        case 'name':
          return s.spec.name.startsWith(v);
        case 'mode':
          return (s.spec.mode || 'replicated') === v;
        default: {
          const eq = v.indexOf('=');
          const k = eq < 0 ? v : v.slice(0, eq);
          return k in s.spec.labels && (eq < 0 || s.spec.labels[k] === v.slice(eq + 1));
        }
      }
    }),
  );
}

/** `service ps --filter`: desired-state, node (ID, ID prefix or hostname), task id prefix, task name. */
function matchesTask(
  t: WireTask,
  filters: Map<string, string[]>,
  nodes: readonly WireNode[],
  serviceNames: ReadonlyMap<string, string>,
): boolean {
  return [...filters].every(([key, values]) =>
    values.some(v => {
      switch (key) {
        case 'desired-state':
          return t.desiredState === v.toLowerCase();
        case 'node':
          return nodes.some(n => n.id === t.nodeId && (n.hostname === v || n.id.startsWith(v)));
        case 'id':
          return t.id.startsWith(v);
        default:
          return taskName(serviceNames.get(t.serviceId) ?? '', t) === v;
      }
    }),
  );
}
