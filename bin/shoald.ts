/**
 * shoald: one per node. Runs the manager when this node is one, and serves the CLI on a unix socket.
 * The only place (with bin/shoal.ts) that reads argv and the environment.
 */
import { Command, InvalidArgumentError } from 'commander';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { watchLoopStalls } from '../node/loop-stalls.ts';
import { Daemon } from '../node/daemon.ts';
import { lifecycle } from './lifecycle.ts';
import { isDataDirError } from '../node/data-dir-errors.ts';
import { messageOf } from '../lib/message-of.ts';

/** A whole number of `unit` from `min` to `max`, or commander's "argument is invalid" with the range. */
function wholeNumber(min: number, max: number, unit: string): (value: string) => number {
  return value => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`It must be a whole number of ${unit} from ${min} to ${max}.`);
    return n;
  };
}

const program = new Command('shoald')
  .description('Shoal node daemon')
  .option(
    '--data-dir <dir>',
    'state folder (LevelDB, certificates)',
    process.env.SHOAL_DATA_DIR ?? '/var/lib/shoal',
  )
  .option('--socket <path>', 'unix socket for the CLI', process.env.SHOAL_SOCKET ?? '/var/run/shoald.sock')
  .option('--hostname <name>', 'this node’s name in the cluster', hostname())
  .option(
    '--log-level <level>',
    'fatal, error, warn, info, debug or trace',
    process.env.SHOAL_LOG_LEVEL ?? 'info',
  )
  .option(
    '--tick-ms <ms>',
    'Raft tick (an election after 10-20 ticks of silence)',
    wholeNumber(10, 10_000, 'ms'),
    100,
  )
  .option(
    '--snapshot-every <entries>',
    'snapshot and compact the Raft log after N entries at least (and once the log outgrows the last snapshot)',
    wholeNumber(10, 100_000_000, 'entries'),
    10_000,
  )
  .option(
    '--poll-ms <ms>',
    'how often this node asks the managers about its certificate and role (a leader reconciles roles as often, at most every second)',
    wholeNumber(50, 3_600_000, 'ms'),
    2000,
  )
  .option(
    '--heartbeat-period <ms>',
    'when this node manages: the heartbeat period its dispatcher hands agents (a node is DOWN after 3 missed)',
    wholeNumber(100, 3_600_000, 'ms'),
    5000,
  )
  .option(
    '--executor <kind>',
    'process: tasks are real processes in real network namespaces (needs root); test: imaginary tasks',
    'process',
  )
  .option('--node-netns <name>', 'keep the node’s data plane in this network namespace (created if missing)')
  .option('--netns-prefix <prefix>', 'prefix of the namespaces this node’s data plane makes', 'shoal')
  .option(
    '--dns <servers>',
    'upstream resolvers for names outside the cluster, comma-separated (default: /etc/resolv.conf)',
  );

program.parse();
const opts = program.opts<{
  dataDir: string;
  socket: string;
  hostname: string;
  logLevel: string;
  tickMs: number;
  snapshotEvery: number;
  pollMs: number;
  heartbeatPeriod: number;
  executor: string;
  nodeNetns?: string;
  netnsPrefix: string;
  dns?: string;
}>();
if (opts.executor !== 'process' && opts.executor !== 'test') {
  process.stderr.write(`shoald: --executor must be process or test, not ${opts.executor}\n`);
  process.exit(2);
}
const log = pino({ level: opts.logLevel, base: { node: opts.hostname } });
watchLoopStalls(log);

const life = lifecycle('shoald');

try {
  const daemon = await Daemon.start({
    dataDir: resolve(opts.dataDir),
    socketPath: resolve(opts.socket),
    hostname: opts.hostname,
    log,
    tickMs: opts.tickMs,
    snapshotEvery: opts.snapshotEvery,
    pollMs: opts.pollMs,
    dispatcher: { heartbeatPeriodMs: opts.heartbeatPeriod },
    executor: opts.executor,
    runtime: {
      netnsPrefix: opts.netnsPrefix,
      ...(opts.nodeNetns === undefined ? {} : { nodeNetns: opts.nodeNetns }),
      ...(opts.dns === undefined ? {} : { dns: opts.dns.split(',').filter(x => x !== '') }),
    },
    // The manager's storage failed: it already gave up every leader role; stop, exit non-zero, and let
    // a supervisor restart shoald (which reloads and checks what is on disk).
    onFatal: err => life.fatal(err),
  });
  life.started(daemon);
  log.info({ socket: resolve(opts.socket), active: daemon.isActive }, 'shoald ready');
} catch (err) {
  // Bad data folders are the operator's to fix: one clear line, no stack trace, nothing touched.
  if (isDataDirError(err)) {
    process.stderr.write(`shoald: ${err.message}\n`);
  } else {
    process.stderr.write(`shoald: ${messageOf(err)}\n`);
    log.debug({ err }, 'start-up failed');
  }
  process.exit(1);
}
