/**
 * `shoal network create|ls|inspect|rm`: docker's flags, columns and `inspect` JSON for swarm-scoped
 * overlay networks, over the daemon's Control API.
 */
import type { Command } from 'commander';
import { CommandFailedError, type CliIo, type Connect } from './command-context.ts';
import { DaemonError, type WireNetwork } from './daemon-client.ts';
import { compileTemplate, naturalCompare, renderTemplate, alignColumns } from './format.ts';

/** docker shows network IDs cut to this length unless `--no-trunc`. */
const SHORT_ID_LENGTH = 12;

/** The driver option that carries a network's VXLAN ID in docker's output. */
const VXLANID_LIST_OPTION = 'com.docker.network.driver.overlay.vxlanid_list';

/** Every network the cluster manages is swarm-scoped. */
const SCOPE = 'swarm';

/** The `{{.Field}}` placeholders `network ls --format` offers, with their `table` headers. */
const NETWORK_FORMAT_HEADERS = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
} as const;
type NetworkField = keyof typeof NETWORK_FORMAT_HEADERS;

/** The `{{.Field}}` placeholders `network inspect --format` offers (the scalar fields of its JSON). */
const INSPECT_FIELDS = [
  'Name',
  'Id',
  'Created',
  'Scope',
  'Driver',
  'EnableIPv6',
  'Internal',
  'Attachable',
  'Ingress',
];

/** The filters `network ls --filter` takes; each matches all or part of the field, as docker's do. */
const FILTER_KEYS = ['name', 'id', 'driver', 'scope'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `k=v` pairs (docker's `--label`/`--opt`): a pair without `=` gets an empty value. */
function keyValues(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key === '') throw new CommandFailedError(`invalid argument "${pair}" for "${flag}" flag: empty key`);
    out[key] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  return out;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function networkFields(n: WireNetwork, trunc: boolean): Record<NetworkField, string> {
  return {
    ID: trunc ? n.id.slice(0, SHORT_ID_LENGTH) : n.id,
    Name: n.spec.name,
    Driver: n.spec.driver,
    Scope: SCOPE,
    IPv6: 'false',
    Internal: String(n.spec.internal),
    Labels: Object.entries(sortedRecord(n.spec.labels))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    CreatedAt: new Date(n.createdAt).toISOString(),
  };
}

/** docker's `network inspect` object for a swarm-scoped overlay network. */
function inspectNetwork(n: WireNetwork): Record<string, unknown> {
  const a = n.allocation;
  const options = { ...n.spec.driverOptions };
  if (a !== null) options[VXLANID_LIST_OPTION] = String(a.vni);
  return {
    Name: n.spec.name,
    Id: n.id,
    Created: new Date(n.createdAt).toISOString(),
    Scope: SCOPE,
    Driver: n.spec.driver,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: a === null ? [] : [{ Subnet: a.subnet, Gateway: a.gateway }],
    },
    Internal: n.spec.internal,
    Attachable: n.spec.attachable,
    Ingress: n.spec.ingress,
    Options: sortedRecord(options),
    Labels: sortedRecord(n.spec.labels),
  };
}

/** The `--filter key=value` flags as key → values, refusing keys docker's network filters do not have. */
function parseFilters(flags: readonly string[]): Map<FilterKey, string[]> {
  const filters = new Map<FilterKey, string[]>();
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq < 0) throw new CommandFailedError(`bad format of filter (expected name=value)`);
    const key = flag.slice(0, eq).toLowerCase();
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw new CommandFailedError(`Error response from daemon: invalid filter '${key}'`);
    }
    const k = key as FilterKey;
    filters.set(k, [...(filters.get(k) ?? []), flag.slice(eq + 1)]);
  }
  return filters;
}

/** Whether `n` passes every filter key (any of its values, as part of the field). */
function matches(n: WireNetwork, filters: Map<FilterKey, string[]>): boolean {
  const field: Record<FilterKey, string> = {
    name: n.spec.name,
    id: n.id,
    driver: n.spec.driver,
    scope: SCOPE,
  };
  return [...filters].every(([key, values]) => values.some(v => field[key].includes(v)));
}

interface CreateOptions {
  driver: string;
  subnet?: string;
  gateway?: string;
  attachable?: boolean;
  internal?: boolean;
  ingress?: boolean;
  opt: string[];
  label: string[];
}

export function addNetworkCommands(network: Command, io: CliIo, connect: Connect): void {
  network
    .command('create')
    .description('Create a network')
    .argument('<name>', 'network name')
    .option('-d, --driver <driver>', 'Driver to manage the Network', 'overlay')
    .option('--subnet <subnet>', 'Subnet in CIDR format that represents a network segment')
    .option('--gateway <ip>', 'IPv4 Gateway for the master subnet')
    .option('--attachable', 'Enable manual container attachment')
    .option('--internal', 'Restrict external access to the network')
    .option('--ingress', 'Create swarm routing-mesh network')
    .option('-o, --opt <key=value>', 'Set driver specific options', collect, [])
    .option('--label <key=value>', 'Set metadata on a network', collect, [])
    .action(async (name: string, opts: CreateOptions, cmd: Command) => {
      const created = await connect(cmd).createNetwork({
        name,
        labels: keyValues(opts.label, '--label'),
        driver: opts.driver,
        driverOptions: keyValues(opts.opt, '--opt'),
        subnet: opts.subnet ?? '',
        gateway: opts.gateway ?? '',
        attachable: opts.attachable === true,
        internal: opts.internal === true,
        ingress: opts.ingress === true,
      });
      io.out(`${created.id}\n`);
    });

  network
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-q, --quiet', 'Only display network IDs')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "name=test")', collect, [])
    .option(
      '--format <template>',
      `Format output using a custom template: 'table', 'table TEMPLATE', or a template with ${Object.keys(
        NETWORK_FORMAT_HEADERS,
      )
        .map(f => `{{.${f}}}`)
        .join(', ')}`,
    )
    .action(
      async (opts: { quiet?: boolean; trunc: boolean; filter: string[]; format?: string }, cmd: Command) => {
        const custom = opts.format !== undefined && opts.format !== '' && opts.format !== 'table';
        if (custom && opts.quiet === true) {
          io.err('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
        }
        // Checked before connecting: a typo fails even when no daemon runs.
        const template =
          custom && opts.quiet !== true
            ? compileTemplate(opts.format ?? '', Object.keys(NETWORK_FORMAT_HEADERS))
            : undefined;
        const filters = parseFilters(opts.filter);
        const networks = (await connect(cmd).listNetworks())
          .filter(n => matches(n, filters))
          // docker lists networks by name.
          .sort((a, b) => naturalCompare(a.spec.name, b.spec.name));
        const rows = networks.map(n => networkFields(n, opts.trunc));
        if (opts.quiet === true) {
          io.out(rows.map(r => `${r.ID}\n`).join(''));
        } else if (template !== undefined) {
          io.out(renderTemplate(template, NETWORK_FORMAT_HEADERS, rows));
        } else {
          io.out(
            alignColumns([
              ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
              ...rows.map(r => [r.ID, r.Name, r.Driver, r.Scope]),
            ]),
          );
        }
      },
    );

  network
    .command('inspect')
    .description('Display detailed information on one or more networks')
    .argument('<network...>', 'network names or IDs')
    .option(
      '-f, --format <template>',
      `Format output using a template with ${INSPECT_FIELDS.map(f => `{{.${f}}}`).join(', ')}`,
    )
    .action(async (refs: string[], opts: { format?: string }, cmd: Command) => {
      const template =
        opts.format === undefined || opts.format === ''
          ? undefined
          : compileTemplate(opts.format, INSPECT_FIELDS);
      const d = connect(cmd);
      const found: WireNetwork[] = [];
      const failures: string[] = [];
      // As docker does: show what was found, then fail for what was not.
      for (const ref of refs) {
        try {
          found.push(await d.getNetwork(ref));
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          failures.push(err.message);
        }
      }
      const objects = found.map(inspectNetwork);
      if (template === undefined) io.out(`${JSON.stringify(objects, null, 2)}\n`);
      else {
        const values = objects.map(o => Object.fromEntries(INSPECT_FIELDS.map(f => [f, String(o[f])])));
        io.out(renderTemplate(template, {}, values));
      }
      if (failures.length > 0) throw new CommandFailedError(failures.join('\n'));
    });

  network
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .argument('<network...>', 'network names or IDs')
    .action(async (refs: string[], _opts: object, cmd: Command) => {
      const d = connect(cmd);
      const failures: string[] = [];
      // As docker does: remove what can be removed, then report every failure.
      for (const ref of refs) {
        try {
          await d.removeNetwork(ref);
          io.out(`${ref}\n`);
        } catch (err) {
          if (!(err instanceof DaemonError)) throw err;
          failures.push(err.message);
        }
      }
      if (failures.length > 0) throw new CommandFailedError(failures.join('\n'));
    });
}
