/**
 * `shoal run` and `shoal exec`: docker's look, over the daemon's LocalTasks service
 * (proto/local.proto) on its unix socket. `run` and `exec` end with the command's exit code.
 */
import type { Command } from 'commander';
import type { ExecOutput__Output } from '../../proto/gen/shoal/v1/ExecOutput.ts';
import type { LocalTasksClient } from '../../proto/gen/shoal/v1/LocalTasks.ts';
import type { StreamMethod, StreamRequestOf } from '../../proto/load.ts';
import type { CliIo } from './command-context.ts';
import { daemonStream, socketPathOfHost } from './daemon-client.ts';
import { keyValues } from './service-spec.ts';

/** The command ran and ended with `exitCode`: the CLI exits with it, printing nothing more. */
export class CommandExitError extends Error {
  override readonly name = 'CommandExitError';
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
  }
}

/** Calls a LocalTasks server-streaming method on the daemon named by `--host`. */
function stream<M extends StreamMethod<LocalTasksClient>>(
  cmd: Command,
  method: M,
  req: StreamRequestOf<LocalTasksClient[M]>,
  onMessage: (m: ExecOutput__Output) => void,
): Promise<void> {
  const socketPath = socketPathOfHost(cmd.optsWithGlobals<{ host: string }>().host);
  return daemonStream(socketPath, 'local.proto', 'LocalTasks', method, req, onMessage);
}

/** Streams ExecOutput messages to the terminal; the exit code of the last one (done). */
async function runOutput<M extends StreamMethod<LocalTasksClient>>(
  cmd: Command,
  io: CliIo,
  method: M,
  req: StreamRequestOf<LocalTasksClient[M]>,
  onTaskId?: (id: string) => void,
): Promise<number> {
  let code: number | undefined;
  await stream(cmd, method, req, m => {
    if (m.stdout.length > 0) io.out(m.stdout.toString());
    if (m.stderr.length > 0) io.err(m.stderr.toString());
    if (m.taskId !== '' && onTaskId !== undefined) onTaskId(m.taskId);
    if (m.done) code = m.exitCode;
  });
  if (code === undefined) throw new Error('the daemon ended the output without an exit code');
  return code;
}

/** The command line after the flags: a `--` commander passed through (after a positional) is not part of it. */
function commandLine(command: string, args: string[]): string[] {
  const argv = [command, ...args];
  return argv[0] === '--' ? argv.slice(1) : argv;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `shoal run` and `shoal exec`, on the top-level program. */
export function addTaskCommands(program: Command, io: CliIo): void {
  // The command's own flags follow `--` (`shoal run -- sh -c …`): the program does not enable positional
  // options, since its global flags (-H) may follow a subcommand.
  program
    .command('run')
    .description('Run a command in a new standalone task on this node')
    .argument('<command>', 'the program to run')
    .argument('[args...]', 'its arguments')
    .option('--network <network>', 'Connect the task to an attachable network')
    .option('--name <name>', 'Assign a name to the task')
    .option('-d, --detach', 'Run the task in the background and print its ID')
    .option('-e, --env <k=v>', 'Set environment variables', collect, [])
    .action(
      async (
        command: string,
        args: string[],
        opts: { network?: string; name?: string; detach?: boolean; env: string[] },
        cmd: Command,
      ) => {
        keyValues(opts.env, '--env'); // docker's check of each KEY=VALUE
        const detach = opts.detach === true;
        const req = {
          network: opts.network ?? '',
          name: opts.name ?? '',
          argv: commandLine(command, args),
          env: opts.env,
          detach,
        };
        const code = await runOutput(cmd, io, 'Run', req, id => {
          if (detach) io.out(`${id}\n`);
        });
        if (code !== 0) throw new CommandExitError(code);
      },
    );

  program
    .command('exec')
    .description('Run a command in a running task of this node')
    .argument('<task>', 'task ID, ID prefix, SERVICE.SLOT, or a standalone task name')
    .argument('<command>', 'the program to run')
    .argument('[args...]', 'its arguments')
    .action(async (task: string, command: string, args: string[], _opts: object, cmd: Command) => {
      const code = await runOutput(cmd, io, 'Exec', { task, argv: commandLine(command, args) });
      if (code !== 0) throw new CommandExitError(code);
    });
}
