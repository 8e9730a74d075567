/**
 * The `shoal` command line: docker's `swarm`, `node`, `network` and `service` commands, flags and wording, talking to the
 * local shoald over its unix socket. `run()` takes argv and an output sink and returns the exit
 * code, so tests drive the whole CLI in-process; only bin/shoal.ts touches process.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import {
  DaemonClient,
  DaemonError,
  DaemonUnreachableError,
  InvalidHostError,
  socketPathOfHost,
  type InitRequest,
  type WireNode,
} from './daemon-client.ts';
import {
  alignColumns,
  capitalize,
  compileTemplate,
  naturalCompare,
  prettyLine,
  prettyTime,
  renderTemplate,
  TemplateError,
} from './format.ts';
import { CommandFailedError, type CliIo, type Connect } from './command-context.ts';
import { addNetworkCommands } from './network-commands.ts';
import { addServiceCommands } from './service-commands.ts';
import { addTaskCommands, CommandExitError } from './task-commands.ts';
import { invalidArgument, keyValues, parseUint } from './service-spec.ts';
import { messageOf } from '../../lib/message-of.ts';

export type { CliIo };

/** Exit code for command-line mistakes (unknown command or flag, missing argument). */
const USAGE_EXIT = 2;

/**
 * Runs one `shoal` invocation. `argv` holds the user's arguments only (no node, no script path).
 * Resolves to the exit code: 0 on success, 1 when the daemon or the command failed, 2 for usage
 * errors. Never throws, never prints a stack trace.
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let daemon: DaemonClient | undefined;
  const connect: Connect = cmd => {
    daemon ??= DaemonClient.connect(socketPathOfHost(cmd.optsWithGlobals<{ host: string }>().host));
    return daemon;
  };
  try {
    await buildProgram(io, connect).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, io);
  } finally {
    daemon?.close();
  }
}

function reportError(err: unknown, io: CliIo): number {
  // commander has printed its own message (or the help) through io already.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : USAGE_EXIT;
  if (err instanceof CommandExitError) return err.exitCode;
  if (
    err instanceof DaemonError ||
    err instanceof DaemonUnreachableError ||
    err instanceof InvalidHostError ||
    err instanceof TemplateError ||
    err instanceof CommandFailedError
  ) {
    io.err(`${err.message}\n`);
    return 1;
  }
  io.err(`shoal: ${messageOf(err)}\n`);
  return 1;
}

function buildProgram(io: CliIo, connect: Connect): Command {
  const program = new Command('shoal')
    .description('Shoal: a swarm-mode cluster control plane')
    .option('-H, --host <host>', 'daemon socket to connect to', `unix://${io.socketPath}`)
    // Set before any subcommand exists: commander copies both settings into each one it creates.
    .configureOutput({ writeOut: s => io.out(s), writeErr: s => io.err(s) })
    .exitOverride();
  addSwarmCommands(program.command('swarm').description('Manage Swarm'), io, connect);
  addNodeCommands(program.command('node').description('Manage Swarm nodes'), io, connect);
  addNetworkCommands(program.command('network').description('Manage networks'), io, connect);
  addServiceCommands(program.command('service').description('Manage Swarm services'), io, connect);
  addTaskCommands(program, io);
  return program;
}

const ADDR_FORMAT = '(format: "<ip|interface>[:port]")';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface InitOptions {
  advertiseAddr?: string;
  listenAddr?: string;
  defaultAddrPool: string[];
  defaultAddrPoolMaskLength?: string;
  gatewaySubnet?: string;
  forceNewCluster?: boolean;
}

/** `parse(value)`, its failure worded as docker words a flag it cannot parse. */
function flagValue<T>(value: string, flag: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw invalidArgument(value, flag, messageOf(err));
  }
}

/** An IPv4 CIDR as Go's `net.ParseCIDR` accepts it, or docker's error for `flag` (`--default-addr-pool`). */
function checkCidr(cidr: string, flagText: string, flag = '--default-addr-pool'): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const ok =
    m !== null &&
    m.slice(1, 5).every(o => Number(o) <= 255 && (o === '0' || !o.startsWith('0'))) &&
    Number(m[5]) <= 32;
  if (!ok) throw invalidArgument(flagText, flag, `invalid CIDR address: ${cidr}`);
  return cidr.trim();
}

function joinCommand(token: string, addr: string): string {
  return `    shoal swarm join --token ${token} ${addr}\n\n`;
}

function addSwarmCommands(swarm: Command, io: CliIo, connect: Connect): void {
  swarm
    .command('init')
    .description('Initialize a swarm')
    .option('--advertise-addr <addr>', `Advertised address ${ADDR_FORMAT}`)
    .option('--listen-addr <addr>', `Listen address ${ADDR_FORMAT} (default 0.0.0.0:2377)`)
    .option(
      '--default-addr-pool <cidr>',
      'Default address pool in CIDR format (repeatable; default 10.0.0.0/8)',
      collect,
      [],
    )
    .option('--default-addr-pool-mask-length <n>', 'Default address pool subnet mask length (default 24)')
    .option(
      '--gateway-subnet <cidr>',
      "Range of every node's gateway bridge, where tasks get their eth1 address; /16 to /24, outside the address pools (default 172.18.0.0/16)",
    )
    .option('--force-new-cluster', 'Force create a new cluster from current state')
    .action(async (opts: InitOptions, cmd: Command) => {
      const pools = opts.defaultAddrPool.flatMap(v => v.split(',').map(cidr => checkCidr(cidr, v)));
      const mask = opts.defaultAddrPoolMaskLength;
      const req: InitRequest = {
        advertiseAddr: opts.advertiseAddr ?? '',
        listenAddr: opts.listenAddr ?? '',
        defaultAddrPool: pools,
        // 0 lets the daemon apply Swarm's default (24), as docker's daemon reads 0.
        defaultAddrPoolMaskLength:
          mask === undefined ? 0 : flagValue(mask, '--default-addr-pool-mask-length', v => parseUint(v, 32)),
        // The daemon checks the range against the pools; '' lets it apply the default.
        gatewaySubnet:
          opts.gatewaySubnet === undefined
            ? ''
            : checkCidr(opts.gatewaySubnet, opts.gatewaySubnet, '--gateway-subnet'),
        forceNewCluster: opts.forceNewCluster === true,
      };
      const res = await connect(cmd).init(req);
      io.out(
        `Swarm initialized: current node (${res.nodeId}) is now a manager.\n\n` +
          'To add a worker to this swarm, run the following command:\n\n' +
          joinCommand(res.workerToken, res.addr) +
          "To add a manager to this swarm, run 'shoal swarm join-token manager' and follow the instructions.\n\n",
      );
    });

  swarm
    .command('join')
    .description('Join a swarm as a node and/or manager')
    .argument('<host:port>', 'address of a manager of the swarm')
    .requiredOption('--token <token>', 'Token for entry into the swarm')
    .option('--advertise-addr <addr>', `Advertised address ${ADDR_FORMAT}`)
    .option('--listen-addr <addr>', `Listen address ${ADDR_FORMAT} (default 0.0.0.0:2377)`)
    .action(
      async (
        remoteAddr: string,
        opts: { token: string; advertiseAddr?: string; listenAddr?: string },
        cmd: Command,
      ) => {
        const res = await connect(cmd).join({
          token: opts.token,
          remoteAddr,
          advertiseAddr: opts.advertiseAddr ?? '',
          listenAddr: opts.listenAddr ?? '',
        });
        io.out(`This node joined a swarm as a ${res.role === 'manager' ? 'manager' : 'worker'}.\n`);
      },
    );

  swarm
    .command('join-token')
    .description('Manage join tokens')
    .addArgument(new Argument('<role>', 'worker or manager').choices(['worker', 'manager']))
    .option('-q, --quiet', 'Only display token')
    .option('--rotate', 'Rotate join token')
    .action(async (role: 'worker' | 'manager', opts: { quiet?: boolean; rotate?: boolean }, cmd: Command) => {
      const d = connect(cmd);
      let cluster;
      if (opts.rotate === true) {
        cluster = await d.rotateJoinToken(role);
        if (opts.quiet !== true) io.out(`Successfully rotated ${role} join token.\n\n`);
      } else {
        cluster = await d.getCluster();
      }
      const token = role === 'worker' ? cluster.workerToken : cluster.managerToken;
      if (opts.quiet === true) {
        io.out(`${token}\n`);
        return;
      }
      const { addr } = await d.info();
      io.out(`To add a ${role} to this swarm, run the following command:\n\n${joinCommand(token, addr)}`);
    });

  swarm
    .command('leave')
    .description('Leave the swarm')
    .option('-f, --force', 'Force this node to leave the swarm, ignoring warnings')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      await connect(cmd).leave(opts.force === true);
      io.out('Node left the swarm.\n');
    });
}

/** The `{{.Field}}` placeholders `node ls --format` offers. */
type NodeField = 'ID' | 'Hostname' | 'Status' | 'Availability' | 'ManagerStatus' | 'Addr' | 'Role';

/** The header each `node ls --format` field gets in a `table` template. */
const NODE_FORMAT_HEADERS: Readonly<Record<NodeField, string>> = {
  ID: 'ID',
  Hostname: 'HOSTNAME',
  Status: 'STATUS',
  Availability: 'AVAILABILITY',
  ManagerStatus: 'MANAGER STATUS',
  Addr: 'ADDRESS',
  Role: 'ROLE',
};

const NODE_FORMAT_HELP =
  "Format output using a custom template: 'table', 'table TEMPLATE', or a template with " +
  Object.keys(NODE_FORMAT_HEADERS)
    .map(f => `{{.${f}}}`)
    .join(', ');

function nodeFields(n: WireNode): Record<NodeField, string> {
  return {
    ID: n.id,
    Hostname: n.hostname,
    Status: capitalize(n.status),
    Availability: capitalize(n.availability),
    ManagerStatus: capitalize(n.managerStatus),
    Addr: n.addr,
    Role: n.role,
  };
}

/** docker's order: hostnames in natural order; the ID breaks ties so the order is stable. */
function byHostname(a: WireNode, b: WireNode): number {
  return naturalCompare(a.hostname, b.hostname) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function sortedLabels(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** docker's `node inspect` object, cut to the fields Shoal has. */
function inspectNode(n: WireNode): object {
  return {
    ID: n.id,
    Version: { Index: n.version },
    CreatedAt: new Date(n.createdAt).toISOString(),
    UpdatedAt: new Date(n.updatedAt).toISOString(),
    Spec: { Labels: Object.fromEntries(sortedLabels(n.labels)), Role: n.role, Availability: n.availability },
    Description: { Hostname: n.hostname },
    Status: { State: n.status, Addr: n.addr },
    ...(n.managerStatus === ''
      ? {}
      : {
          ManagerStatus: {
            Leader: n.managerStatus === 'leader',
            // docker reports a leader as reachable and says it is the leader separately.
            Reachability: n.managerStatus === 'leader' ? 'reachable' : n.managerStatus,
            Addr: n.addr,
          },
        }),
  };
}

/** docker's `node inspect --pretty` view, cut to the fields Shoal has. */
function prettyNode(n: WireNode): string {
  const labels = sortedLabels(n.labels);
  let s = prettyLine('ID', n.id);
  if (labels.length > 0) {
    s += `Labels:\n${labels.map(([k, v]) => ` - ${k}${v === '' ? '' : `=${v}`}\n`).join('')}`;
  }
  s += prettyLine('Hostname', n.hostname);
  s += prettyLine('Joined at', prettyTime(n.createdAt));
  s += 'Status:\n';
  s += prettyLine(' State', capitalize(n.status));
  s += prettyLine(' Availability', capitalize(n.availability));
  if (n.addr !== '') s += prettyLine(' Address', n.addr);
  if (n.managerStatus !== '') {
    s += 'Manager Status:\n';
    s += prettyLine(' Address', n.addr);
    s += prettyLine(' Raft Status', n.managerStatus === 'leader' ? 'Reachable' : capitalize(n.managerStatus));
    s += prettyLine(' Leader', n.managerStatus === 'leader' ? 'Yes' : 'No');
  }
  return s;
}

function addNodeCommands(node: Command, io: CliIo, connect: Connect): void {
  node
    .command('ls')
    .alias('list')
    .description('List nodes in the swarm')
    .option('-q, --quiet', 'Only display IDs')
    .option('--format <template>', NODE_FORMAT_HELP)
    .action(async (opts: { quiet?: boolean; format?: string }, cmd: Command) => {
      const custom = opts.format !== undefined && opts.format !== '' && opts.format !== 'table';
      if (custom && opts.quiet === true) {
        io.err('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
      }
      // Compiled before connecting: a typo in a template fails even when no daemon runs.
      const template =
        custom && opts.quiet !== true
          ? compileTemplate(opts.format ?? '', Object.keys(NODE_FORMAT_HEADERS))
          : undefined;
      const d = connect(cmd);
      if (opts.quiet === true || template !== undefined) {
        const nodes = (await d.listNodes()).sort(byHostname);
        io.out(
          template === undefined
            ? nodes.map(n => `${n.id}\n`).join('')
            : renderTemplate(template, NODE_FORMAT_HEADERS, nodes.map(nodeFields)),
        );
        return;
      }
      const [nodes, info] = await Promise.all([d.listNodes(), d.info()]);
      io.out(
        alignColumns([
          ['ID', 'HOSTNAME', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS'],
          ...nodes.sort(byHostname).map(n => {
            const f = nodeFields(n);
            // docker marks the node it is talking to; the blank keeps every ID cell the same width.
            const self = n.id === info.nodeId ? '*' : ' ';
            return [`${f.ID} ${self}`, f.Hostname, f.Status, f.Availability, f.ManagerStatus];
          }),
        ]),
      );
    });

  node
    .command('inspect')
    .description('Display detailed information on one or more nodes')
    .argument('<node...>', "node IDs, ID prefixes or hostnames ('self' for this node)")
    .option('--pretty', 'Print the information in a human friendly format')
    .action(async (refs: string[], opts: { pretty?: boolean }, cmd: Command) => {
      const d = connect(cmd);
      const found: WireNode[] = [];
      const failures: string[] = [];
      // As docker does: show what was found, then fail for what was not.
      for (const ref of refs) {
        try {
          found.push(await d.getNode(ref === 'self' ? (await d.info()).nodeId : ref));
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          failures.push(err.message);
        }
      }
      if (opts.pretty === true) io.out(found.map(prettyNode).join('\n'));
      else io.out(`${JSON.stringify(found.map(inspectNode), null, 2)}\n`);
      if (failures.length > 0) throw new CommandFailedError(failures.join('\n'));
    });

  const changeRole = async (cmd: Command, refs: string[], role: 'manager' | 'worker'): Promise<void> => {
    const d = connect(cmd);
    for (const ref of refs) {
      const n = await d.getNode(ref);
      if (n.role === role) {
        io.out(`Node ${ref} is already a ${role}.\n`);
        continue;
      }
      // The version read just now: a concurrent change to the node fails instead of being undone.
      await d.updateNode({
        nodeId: n.id,
        version: n.version,
        desiredRole: role,
        availability: '',
        labelAdd: {},
        labelRm: [],
      });
      io.out(
        role === 'manager'
          ? `Node ${ref} promoted to a manager in the swarm.\n`
          : `Manager ${ref} demoted in the swarm.\n`,
      );
    }
  };

  node
    .command('promote')
    .description('Promote one or more nodes to manager in the swarm')
    .argument('<node...>', 'node IDs, ID prefixes or hostnames')
    .action((refs: string[], _opts: object, cmd: Command) => changeRole(cmd, refs, 'manager'));

  node
    .command('demote')
    .description('Demote one or more nodes from manager in the swarm')
    .argument('<node...>', 'node IDs, ID prefixes or hostnames')
    .action((refs: string[], _opts: object, cmd: Command) => changeRole(cmd, refs, 'worker'));

  node
    .command('update')
    .description('Update a node')
    .argument('<node>', 'node ID, ID prefix or hostname')
    .addOption(
      new Option('--availability <availability>', 'Availability of the node').choices([
        'active',
        'pause',
        'drain',
      ]),
    )
    .addOption(new Option('--role <role>', 'Role of the node').choices(['worker', 'manager']))
    .option('--label-add <k=v>', 'Add or update a node label (key=value)', collect, [])
    .option('--label-rm <key>', 'Remove a node label if exists', collect, [])
    .action(
      async (
        ref: string,
        opts: { availability?: string; role?: string; labelAdd: string[]; labelRm: string[] },
        cmd: Command,
      ) => {
        const labelAdd = keyValues(opts.labelAdd, '--label-add');
        const d = connect(cmd);
        const n = await d.getNode(ref);
        // The version read just now: a concurrent change to the node fails instead of being undone.
        await d.updateNode({
          nodeId: n.id,
          version: n.version,
          desiredRole: opts.role ?? '',
          availability: opts.availability ?? '',
          labelAdd,
          labelRm: opts.labelRm,
        });
        io.out(`${ref}\n`);
      },
    );

  node
    .command('rm')
    .alias('remove')
    .description('Remove one or more nodes from the swarm')
    .argument('<node...>', 'node IDs, ID prefixes or hostnames')
    .option('-f, --force', 'Force remove a node from the swarm')
    .action(async (refs: string[], opts: { force?: boolean }, cmd: Command) => {
      const d = connect(cmd);
      const failures: string[] = [];
      // As docker does: remove what can be removed, then report every failure.
      for (const ref of refs) {
        try {
          await d.removeNode(ref, opts.force === true);
          io.out(`${ref}\n`);
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          failures.push(err.message);
        }
      }
      if (failures.length > 0) throw new CommandFailedError(failures.join('\n'));
    });
}
