/**
 * The LocalTasks service (proto/local.proto), served only on the daemon's unix socket: `shoal exec`
 * (a command inside a running task's namespaces) and `shoal run` (a standalone task: the daemon's `run` asks the managers for it, this node's executor runs
 * it; without detach its output is streamed until it exits, and the exit code ends the stream).
 */
import type { ExecOutput__Output } from '../../proto/gen/shoal/v1/ExecOutput.ts';
import type { RunRequest__Output } from '../../proto/gen/shoal/v1/RunRequest.ts';
import type { LocalTasksHandlers } from '../../proto/gen/shoal/v1/LocalTasks.ts';
import type * as grpc from '@grpc/grpc-js';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { DomainError } from '../../lib/domain-error.ts';
import { InvalidArgumentError, PreconditionError } from '../../lib/errors.ts';
import { messageOf } from '../../lib/message-of.ts';
import { toGrpcStatus } from '../../proto/rpc-status.ts';
import { LogTail } from './log-tail.ts';
import type { ProcessExecutor } from './process-executor.ts';

export const localTasksService = serviceOf(loadShoalPackage('local.proto'), 'LocalTasks');

export type RunRequest = RunRequest__Output;
export type ExecOutput = ExecOutput__Output;

export interface LocalTaskServerOptions {
  executor: ProcessExecutor;
  /**
   * Creates the standalone task (an attachment on `req.network` named `req.name`) with the managers and
   * resolves to its id; its errors reach the caller as they are (a grpc status passes through).
   */
  run: (req: RunRequest) => Promise<string>;
  log: Logger;
  /** How often a followed task's logs are read. @default 50 */
  pollMs?: number;
}

const EMPTY = Buffer.alloc(0);
/** docker run's exit code when the command could not be run at all. */
const CANNOT_RUN = 127;
/** docker run's exit code when the daemon failed the task before its command ran. */
const DAEMON_FAILED = 125;

function output(o: Partial<ExecOutput>): ExecOutput {
  return { stdout: EMPTY, stderr: EMPTY, exitCode: 0, done: false, taskId: '', ...o };
}

/** The LocalTasks methods, keyed by method name. */
export function localTaskHandlers(o: LocalTaskServerOptions): LocalTasksHandlers {
  const pollMs = o.pollMs ?? 50;

  const fail = (call: grpc.ServerWritableStream<unknown, unknown>, err: unknown): void => {
    call.emit('error', toGrpcStatus(err, o.log));
  };

  /** Streams the task's output until it has ended, then its exit code. */
  const follow = async (
    call: grpc.ServerWritableStream<RunRequest, ExecOutput>,
    id: string,
  ): Promise<void> => {
    const paths = o.executor.logPaths(id);
    const out = new LogTail(paths.stdout);
    const err = new LogTail(paths.stderr);
    const flush = (): void => {
      const stdout = out.read();
      const stderr = err.read();
      if (stdout.length > 0 || stderr.length > 0) call.write(output({ stdout, stderr }));
    };
    while (!call.cancelled) {
      const result = o.executor.result(id);
      flush();
      if (result !== undefined) {
        if (
          result.exitCode === undefined ||
          (result.exitCode >= 126 && result.exitCode <= 127 && result.err.startsWith('exec:'))
        ) {
          const code = result.err.startsWith('exec:') ? CANNOT_RUN : DAEMON_FAILED;
          call.write(
            output({
              stderr: Buffer.from(`shoal: ${result.err || result.state}\n`),
              exitCode: code,
              done: true,
              taskId: id,
            }),
          );
        } else {
          call.write(output({ exitCode: result.exitCode, done: true, taskId: id }));
        }
        call.end();
        return;
      }
      await new Promise(r => setTimeout(r, pollMs));
    }
  };

  return {
    Exec: (call: grpc.ServerWritableStream<{ task: string; argv: string[] }, ExecOutput>) => {
      void (async () => {
        const child = await o.executor
          .execProcess(o.executor.resolve(call.request.task), call.request.argv)
          // A task that is not running (or cannot be entered) is the state of things, not a bug.
          .catch((e: unknown) => {
            throw e instanceof DomainError ? e : new PreconditionError(messageOf(e));
          });
        call.on('cancelled', () => child.kill('SIGKILL'));
        child.stdout?.on('data', (b: Buffer) => call.write(output({ stdout: b })));
        child.stderr?.on('data', (b: Buffer) => call.write(output({ stderr: b })));
        await new Promise<void>(resolve => {
          child.on('error', e => {
            call.write(
              output({ stderr: Buffer.from(`shoal: ${e.message}\n`), exitCode: CANNOT_RUN, done: true }),
            );
            resolve();
          });
          child.on('close', (code, signal) => {
            call.write(
              output({
                exitCode: code ?? (signal === null ? 1 : 128 + (signalNumber(signal) ?? 0)),
                done: true,
              }),
            );
            resolve();
          });
        });
        call.end();
      })().catch((err: unknown) => fail(call, err));
    },

    Run: (call: grpc.ServerWritableStream<RunRequest, ExecOutput>) => {
      void (async () => {
        const req = call.request;
        if (req.argv.length === 0) throw new InvalidArgumentError('run: a command is required');
        const id = await o.run(req);
        // Followed before it can start (it starts once it has its command): it detaches as it ends.
        const release = req.detach ? undefined : o.executor.follow(id);
        o.executor.provide(id, { argv: req.argv, env: req.env, name: req.name });
        o.log.info({ taskId: id, network: req.network, name: req.name }, 'standalone task created');
        if (release === undefined) {
          call.write(output({ taskId: id, done: true }));
          call.end();
          return;
        }
        call.write(output({ taskId: id }));
        await follow(call, id).finally(release);
      })().catch((err: unknown) => fail(call, err));
    },
  };
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[sig];
}
