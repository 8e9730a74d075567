/**
 * From `shoal service create|update` flags to a service spec, with docker's parsing and docker's texts
 * for what it refuses: Go durations (`1m30s`), `-p`/`--publish` in both syntaxes, `k=v` lists, shell
 * words for `--args`, and the add/rm rules of `service update`. Pure: no I/O; the daemon checks the rest.
 */
import type {
  WirePortConfig,
  WireRestartPolicy,
  WireServiceSpec,
  WireTaskSpec,
  WireUpdateConfig,
} from '../../proto/control-types.ts';
import { CommandFailedError } from './command-context.ts';
import { messageOf } from '../../lib/message-of.ts';

/** Swarm's defaults (`api/defaults/service.go`), which docker's flags send explicitly. */
export const DEFAULT_RESTART: Readonly<WireRestartPolicy> = {
  condition: 'any',
  delayMs: 5000,
  maxAttempts: 0,
};
export const DEFAULT_UPDATE: Readonly<WireUpdateConfig> = {
  parallelism: 1,
  delayMs: 0,
  failureAction: 'pause',
  monitorMs: 5000,
  maxFailureRatio: 0,
  order: 'stop-first',
};
export const DEFAULT_STOP_GRACE_PERIOD_MS = 10_000;

/** docker's error for a flag value it cannot parse: `invalid argument "x" for "--flag" flag: why`. */
export function invalidArgument(value: string, flag: string, reason: string): CommandFailedError {
  return new CommandFailedError(`invalid argument "${value}" for "${flag}" flag: ${reason}`);
}

/** Runs `parse(value)`, turning what it throws into docker's flag error. */
function flagValue<T>(value: string, flag: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof CommandFailedError) throw err;
    throw invalidArgument(value, flag, messageOf(err));
  }
}

/**
 * Go's `strconv.ParseUint(text, 10, bits)`, with its error texts; values are held to JS's safe integers
 * (anything above is "out of range", which only 64-bit flags could reach).
 */
export function parseUint(text: string, bits: 16 | 32 | 64): number {
  if (!/^[0-9]+$/.test(text)) throw new Error(`strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`);
  const value = Number(text);
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  if (!(value <= max)) throw new Error(`strconv.ParseUint: parsing ${goQuote(text)}: value out of range`);
  return value;
}

/** Go's `%q` for the plain strings flags carry (JSON's quoting agrees on them). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5
  μs: 1e-3, // U+03BC
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's `time.ParseDuration` (`10s`, `1m30s`, `1.5h`, `500ms`, `0`), with its error texts, in whole
 * milliseconds (what the wire carries; finer values are rounded). Negative durations are refused.
 */
export function parseDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s.length > 0) {
    const num = /^([0-9]*)(\.[0-9]*)?/.exec(s);
    const whole = num?.[1] ?? '';
    const frac = num?.[2] ?? '';
    if (whole === '' && frac.length <= 1) throw invalid();
    s = s.slice(whole.length + frac.length);
    const unit = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration ${goQuote(text)}`);
    const factor = DURATION_UNITS[unit];
    if (factor === undefined) {
      throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`);
    }
    s = s.slice(unit.length);
    total += Number(`${whole === '' ? '0' : whole}${frac === '.' ? '' : frac}`) * factor;
  }
  if (!Number.isFinite(total) || total > 2 ** 63 / 1e6) throw invalid();
  if (negative && total > 0) throw new Error('duration cannot be negative');
  return Math.round(total);
}

/** A duration as Go's `time.Duration.String` prints it: `0s`, `500ms`, `10s`, `1m30s`, `1h0m0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const s = `${seconds.toFixed(3).replace(/\.?0+$/, '')}s`;
  if (hours > 0) return `${hours}h${minutes}m${s}`;
  if (minutes > 0) return `${minutes}m${s}`;
  return s;
}

/** `k=v` pairs as docker's list flags take them; a pair without `=` gets an empty value. */
export function keyValues(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key === '') throw invalidArgument(pair, flag, 'empty key');
    out[key] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  return out;
}

/** The key of an `--env` entry (`K=V` or `K`), as docker's `--env-rm` matches it. */
function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** docker's `--env` check: `K=V` as is, `K` kept as given (docker would copy it from the CLI's environment). */
function parseEnv(entry: string): string {
  if (entry.startsWith('=')) throw new Error(`invalid environment variable: ${entry}`);
  if (/\s/.test(envKey(entry))) throw new Error(`variable '${envKey(entry)}' contains whitespaces`);
  return entry;
}

// ---- ports ----

/** Go's `strings.Split`, which always yields at least one part. */
function split(text: string, sep: string): string[] {
  return text.split(sep);
}

/** go-connections' `ParsePortRange`: `80` or `8000-8010`. */
function parsePortRange(text: string): [number, number] {
  if (text === '') throw new Error('empty string specified for ports');
  if (!text.includes('-')) {
    const port = parseUint(text, 16);
    return [port, port];
  }
  const [a = '', b = ''] = split(text, '-');
  const start = parseUint(a, 16);
  const end = parseUint(b, 16);
  if (end < start) throw new Error(`invalid range specified for port: ${text}`);
  return [start, end];
}

/** One `--publish` in docker's long syntax: `published=9000,target=80,mode=host,protocol=udp`. */
function parseLongPort(value: string): WirePortConfig {
  const port: WirePortConfig = { name: '', protocol: '', targetPort: 0, publishedPort: 0, publishMode: '' };
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new Error(`invalid field: ${field}`);
    const key = field.slice(0, eq).toLowerCase();
    const val = field.slice(eq + 1);
    switch (key) {
      case 'protocol':
        if (val !== 'tcp' && val !== 'udp') throw new Error(`invalid protocol value '${val}'`);
        port.protocol = val;
        break;
      case 'mode':
        if (val !== 'ingress' && val !== 'host') {
          throw new Error(`invalid publish mode value (${val}): must be either 'ingress' or 'host'`);
        }
        port.publishMode = val;
        break;
      case 'target':
        port.targetPort = parseUint(val, 16);
        break;
      case 'published':
        port.publishedPort = parseUint(val, 16);
        break;
      case 'name':
        port.name = val;
        break;
      default:
        throw new Error(`invalid field key: ${key}`);
    }
  }
  if (port.targetPort === 0) throw new Error("missing mandatory field 'target'");
  return { ...port, protocol: port.protocol || 'tcp', publishMode: port.publishMode || 'ingress' };
}

/**
 * One `-p` in docker's short syntax (go-connections' `ParsePortSpec`, then docker's
 * `ConvertPortToPortConfig`): `80`, `9000:80`, `9000:80/udp`, `8000-8001:80-81`, `8000-8002:80`.
 * An address in front (`127.0.0.1:9000:80`) is refused: a service publishes on every address.
 */
function parseShortPort(value: string): WirePortConfig[] {
  const parts = split(value, ':');
  const containerPart = parts[parts.length - 1] ?? '';
  const hostPart = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : '';
  const ip = parts.length >= 3 ? parts.slice(0, -2).join(':') : '';
  if (ip !== '') throw new Error('hostip is not supported');
  const slash = split(containerPart, '/');
  const portText = slash[0] ?? '';
  const proto = (slash.length === 1 || slash[1] === '' ? 'tcp' : (slash[1] ?? '')).toLowerCase();
  if (portText === '') throw new Error(`no port specified: ${value}<empty>`);
  let target: [number, number];
  try {
    target = parsePortRange(portText);
  } catch {
    throw new Error(`invalid containerPort: ${portText}`);
  }
  let host: [number, number] | undefined;
  if (hostPart !== '') {
    try {
      host = parsePortRange(hostPart);
    } catch {
      throw new Error(`invalid hostPort: ${hostPart}`);
    }
  }
  const count = target[1] - target[0] + 1;
  if (host !== undefined && host[1] - host[0] !== count - 1 && count !== 1) {
    throw new Error(`invalid ranges specified for container and host Ports: ${portText} and ${hostPart}`);
  }
  if (proto !== 'tcp' && proto !== 'udp') throw new Error(`invalid proto: ${proto}`);
  const ports: WirePortConfig[] = [];
  for (let i = 0; i < count; i++) {
    // One container port with a range of host ports publishes it on each of them.
    const published: number[] =
      host === undefined
        ? [0]
        : count === 1
          ? Array.from({ length: host[1] - host[0] + 1 }, (_, j) => host[0] + j)
          : [host[0] + i];
    for (const p of published) {
      ports.push({
        name: '',
        protocol: proto,
        targetPort: target[0] + i,
        publishedPort: p,
        publishMode: 'ingress',
      });
    }
  }
  return ports;
}

/** One `-p`/`--publish` value in either of docker's syntaxes, as port configs; docker's texts for errors. */
export function parsePublish(value: string): WirePortConfig[] {
  // docker's own test for the long syntax.
  return /\w+=\w+(,\w+=\w+)*/.test(value) ? [parseLongPort(value)] : parseShortPort(value);
}

/** Every `-p`/`--publish` value, in order, as one flag's error would be reported by docker. */
export function parsePublishes(values: readonly string[], flag: string): WirePortConfig[] {
  return values.flatMap(v => flagValue(v, flag, parsePublish));
}

// ---- shell words ----

/** `--args "a 'b c' d\ e"` split as a POSIX shell splits words (quotes and backslashes, no expansion). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('invalid command line string');
      word += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < text.length && text.charAt(i) !== '"'; i++) {
        const d = text.charAt(i);
        if (d === '\\' && i + 1 < text.length && '"\\$`'.includes(text.charAt(i + 1))) {
          word += text.charAt(i + 1);
          i++;
        } else word += d;
      }
      if (i >= text.length) throw new Error('invalid command line string');
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new Error('invalid command line string');
      word += text.charAt(i + 1);
      i++;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

// ---- specs ----

/** What `service create` was given (commander's options: repeatable flags default to []). */
export interface CreateFlags extends FieldFlags {
  name?: string;
  replicas?: string;
  mode?: string;
  network: string[];
  publish: string[];
  constraint: string[];
  env: string[];
  label: string[];
}

const MODES = ['replicated', 'global'];
const ENDPOINT_MODES = ['vip', 'dnsrr'];
const FAILURE_ACTIONS = ['pause', 'continue', 'rollback'];
const UPDATE_ORDERS = ['stop-first', 'start-first'];
const RESTART_CONDITIONS = ['none', 'on-failure', 'any'];

function oneOf(value: string, flag: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) {
    throw invalidArgument(value, flag, `must be one of ${allowed.map(a => `"${a}"`).join(', ')}`);
  }
  return value;
}

function ratio(text: string): number {
  const value = /^[0-9]*\.?[0-9]+$|^[0-9]+\.$/.test(text) ? Number(text) : NaN;
  if (!(value >= 0 && value <= 1)) throw new Error('must be a number between 0 and 1');
  return value;
}

/** A spec read from the daemon with every default spelled out, so flags can change one field of it. */
export function fullSpec(spec: WireServiceSpec): WireServiceSpec & {
  task: WireTaskSpec & { restart: WireRestartPolicy };
  endpoint: NonNullable<WireServiceSpec['endpoint']>;
  update: WireUpdateConfig;
} {
  const task = spec.task ?? {
    command: [],
    args: [],
    env: [],
    constraints: [],
    restart: null,
    stopGracePeriodMs: 0,
  };
  const restart = task.restart ?? DEFAULT_RESTART;
  const update = spec.update ?? DEFAULT_UPDATE;
  return {
    ...spec,
    mode: spec.mode || 'replicated',
    labels: { ...spec.labels },
    networks: [...spec.networks],
    task: {
      command: [...task.command],
      args: [...task.args],
      env: [...task.env],
      constraints: [...task.constraints],
      restart: { ...restart, condition: restart.condition || DEFAULT_RESTART.condition },
      stopGracePeriodMs: task.stopGracePeriodMs || DEFAULT_STOP_GRACE_PERIOD_MS,
    },
    endpoint: {
      mode: spec.endpoint?.mode || 'vip',
      ports: (spec.endpoint?.ports ?? []).map(p => ({ ...p })),
    },
    update: {
      ...update,
      failureAction: update.failureAction || DEFAULT_UPDATE.failureAction,
      monitorMs: update.monitorMs || DEFAULT_UPDATE.monitorMs,
      order: update.order || DEFAULT_UPDATE.order,
    },
  };
}

/** The flags shared by create and update that set one field each (undefined: not given). */
interface FieldFlags {
  endpointMode?: string;
  updateParallelism?: string;
  updateDelay?: string;
  updateFailureAction?: string;
  updateMonitor?: string;
  updateMaxFailureRatio?: string;
  updateOrder?: string;
  restartCondition?: string;
  restartDelay?: string;
  restartMaxAttempts?: string;
  stopGracePeriod?: string;
}

function applyFieldFlags(spec: ReturnType<typeof fullSpec>, f: FieldFlags): void {
  const { task, update, endpoint } = spec;
  if (f.endpointMode !== undefined) endpoint.mode = oneOf(f.endpointMode, '--endpoint-mode', ENDPOINT_MODES);
  if (f.updateParallelism !== undefined) {
    update.parallelism = flagValue(f.updateParallelism, '--update-parallelism', v => parseUint(v, 64));
  }
  if (f.updateDelay !== undefined) update.delayMs = flagValue(f.updateDelay, '--update-delay', parseDuration);
  if (f.updateFailureAction !== undefined) {
    update.failureAction = oneOf(f.updateFailureAction, '--update-failure-action', FAILURE_ACTIONS);
  }
  if (f.updateMonitor !== undefined) {
    update.monitorMs = flagValue(f.updateMonitor, '--update-monitor', parseDuration);
  }
  if (f.updateMaxFailureRatio !== undefined) {
    update.maxFailureRatio = flagValue(f.updateMaxFailureRatio, '--update-max-failure-ratio', ratio);
  }
  if (f.updateOrder !== undefined) update.order = oneOf(f.updateOrder, '--update-order', UPDATE_ORDERS);
  if (f.restartCondition !== undefined) {
    task.restart.condition = oneOf(f.restartCondition, '--restart-condition', RESTART_CONDITIONS);
  }
  if (f.restartDelay !== undefined) {
    task.restart.delayMs = flagValue(f.restartDelay, '--restart-delay', parseDuration);
  }
  if (f.restartMaxAttempts !== undefined) {
    task.restart.maxAttempts = flagValue(f.restartMaxAttempts, '--restart-max-attempts', v =>
      parseUint(v, 64),
    );
  }
  if (f.stopGracePeriod !== undefined) {
    task.stopGracePeriodMs = flagValue(f.stopGracePeriod, '--stop-grace-period', parseDuration);
  }
}

/**
 * The spec `service create` sends: docker's defaults spelled out (replicated, 1 replica, restart any
 * after 5s, update one at a time, pause on failure), then every flag given. `command` and `args` are
 * the positional COMMAND [ARG...]. Networks go as the user named them; the daemon resolves them.
 */
export function buildServiceSpec(
  flags: CreateFlags,
  command: string,
  args: readonly string[],
): WireServiceSpec {
  const mode = oneOf(flags.mode ?? 'replicated', '--mode', MODES);
  if (flags.replicas !== undefined && mode !== 'replicated') {
    throw new CommandFailedError('replicas can only be used with replicated mode');
  }
  const replicas =
    mode === 'replicated' ? flagValue(flags.replicas ?? '1', '--replicas', v => parseUint(v, 64)) : 0;
  const spec = fullSpec({
    name: flags.name ?? '',
    labels: keyValues(flags.label, '-l, --label'),
    mode,
    replicas,
    task: {
      command: [command],
      args: [...args],
      env: flags.env.map(e => flagValue(e, '-e, --env', parseEnv)),
      constraints: [...flags.constraint],
      restart: { ...DEFAULT_RESTART },
      stopGracePeriodMs: DEFAULT_STOP_GRACE_PERIOD_MS,
    },
    networks: [...flags.network],
    endpoint: { mode: 'vip', ports: parsePublishes(flags.publish, '-p, --publish') },
    update: { ...DEFAULT_UPDATE },
  });
  applyFieldFlags(spec, flags);
  return spec;
}

/** What `service update` was given (commander's options: repeatable flags default to []). */
export interface UpdateFlags extends FieldFlags {
  replicas?: string;
  args?: string;
  envAdd: string[];
  envRm: string[];
  constraintAdd: string[];
  constraintRm: string[];
  networkAdd: string[];
  networkRm: string[];
  publishAdd: string[];
  publishRm: string[];
  labelAdd: string[];
  labelRm: string[];
}

/** The network references `service update` needs resolved to IDs (`--network-add`, `--network-rm`). */
export function networkRefs(flags: UpdateFlags): string[] {
  return [...new Set([...flags.networkRm, ...flags.networkAdd])];
}

/** docker's key for a port in `--publish-add` de-duplication and ordering: `9000:80/tcp/ingress`. */
function portKey(p: WirePortConfig): string {
  return `${p.publishedPort}:${p.targetPort}/${p.protocol || 'tcp'}/${p.publishMode || 'ingress'}`;
}

/**
 * The spec `service update` sends: the one read from the daemon with the flags applied as docker's
 * `service update` applies them. `networkIds` maps each of `networkRefs(flags)` to the network's ID.
 */
export function updateServiceSpec(
  current: WireServiceSpec,
  flags: UpdateFlags,
  networkIds: ReadonlyMap<string, string>,
): WireServiceSpec {
  const spec = fullSpec(current);
  const { task, endpoint } = spec;
  if (flags.replicas !== undefined) {
    if (spec.mode !== 'replicated')
      throw new CommandFailedError('replicas can only be used with replicated mode');
    spec.replicas = flagValue(flags.replicas, '--replicas', v => parseUint(v, 64));
  }
  if (flags.args !== undefined) task.args = flagValue(flags.args, '--args', shellWords);

  // --env-rm, then --env-add (replacing an entry with the same key where it stands).
  const envRm = new Set(flags.envRm.map(envKey));
  task.env = task.env.filter(e => !envRm.has(envKey(e)));
  for (const entry of flags.envAdd.map(e => flagValue(e, '--env-add', parseEnv))) {
    const at = task.env.findIndex(e => envKey(e) === envKey(entry));
    if (at < 0) task.env.push(entry);
    else task.env[at] = entry;
  }

  // docker: add, remove, then sort so the result does not depend on the order of the flags.
  const constraintRm = new Set(flags.constraintRm);
  task.constraints = [...new Set([...task.constraints, ...flags.constraintAdd])]
    .filter(c => !constraintRm.has(c))
    .sort();

  const id = (ref: string): string => networkIds.get(ref) ?? ref;
  const networkRm = new Set(flags.networkRm.map(id));
  const networks = spec.networks.filter(n => !networkRm.has(n));
  for (const ref of flags.networkAdd) {
    if (networks.includes(id(ref)))
      throw new CommandFailedError(`service is already attached to network ${ref}`);
    networks.push(id(ref));
  }
  spec.networks = networks.sort();

  // --publish-rm matches by target port, protocol and mode; --publish-add skips exact duplicates.
  const rm = parsePublishes(flags.publishRm, '--publish-rm');
  const kept = endpoint.ports.filter(
    p =>
      !rm.some(
        r =>
          r.targetPort === p.targetPort &&
          r.protocol === (p.protocol || 'tcp') &&
          r.publishMode === (p.publishMode || 'ingress'),
      ),
  );
  const keys = new Set(kept.map(portKey));
  for (const p of parsePublishes(flags.publishAdd, '--publish-add')) {
    if (keys.has(portKey(p))) continue;
    keys.add(portKey(p));
    kept.push(p);
  }
  endpoint.ports =
    flags.publishAdd.length > 0 || flags.publishRm.length > 0
      ? kept.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0))
      : kept;

  spec.labels = { ...spec.labels, ...keyValues(flags.labelAdd, '--label-add') };
  for (const key of flags.labelRm) delete spec.labels[key];

  applyFieldFlags(spec, flags);
  return spec;
}

/** `service scale`'s `NAME=N`: the pair, or undefined for something that is not one. */
export function parseScale(arg: string): { service: string; replicas: string } | undefined {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1) return undefined;
  return { service: arg.slice(0, eq), replicas: arg.slice(eq + 1) };
}
