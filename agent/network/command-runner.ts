/**
 * Runs the data plane's short commands (argv arrays, stdin given whole) and collects their output,
 * through one long-lived command helper per process (command-helper.mjs): forking a shoald of a few
 * hundred MB for every `ip` batch cost several times what forking the bare helper does, and a new task
 * waits for ~6 of them. Failures come back as data, never as a throw. If the helper cannot start, or
 * dies before answering anything, commands are started here directly from then on; a helper that dies
 * later fails the commands it held (the data plane observes and plans again) and the next one starts
 * a new helper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const HELPER = fileURLToPath(new URL('./command-helper.mjs', import.meta.url));

/** Runs argv with `stdin` in a child of this process: the fallback, and the helper's own way. */
export function spawnCommand(argv: readonly string[], stdin = ''): Promise<CommandResult> {
  return new Promise(resolve => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return resolve({ code: 1, stdout: '', stderr: 'empty command' });
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', err => resolve({ code: 1, stdout, stderr: stderr + String(err) }));
    child.on('close', code => resolve({ code: code ?? 1, stdout, stderr }));
    // A command that exits before reading all of stdin must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

function isResult(m: unknown): m is CommandResult & { id: number } {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return (
    typeof r.id === 'number' &&
    typeof r.code === 'number' &&
    typeof r.stdout === 'string' &&
    typeof r.stderr === 'string'
  );
}

export class CommandHelper {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, (r: CommandResult) => void>();
  private seq = 0;
  private answered = false;
  /** Set once the helper could not be used: every command is started here. */
  private direct = false;

  constructor(private readonly helperPath = HELPER) {}

  run(argv: readonly string[], stdin = ''): Promise<CommandResult> {
    const child = this.direct ? undefined : this.helper();
    if (child === undefined) return spawnCommand(argv, stdin);
    return new Promise(resolve => {
      const id = ++this.seq;
      this.pending.set(id, resolve);
      if (this.pending.size === 1) this.hold(child, true);
      child.send({ id, argv, stdin });
    });
  }

  /** The helper's process ID while one runs (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ends the helper; commands it holds fail. The next command starts another. */
  stop(): void {
    this.child?.kill('SIGKILL');
  }

  private helper(): ChildProcess | undefined {
    if (this.child !== undefined) return this.child;
    let child: ChildProcess;
    try {
      // NODE_OPTIONS may carry a loader (tsx) the plain helper neither needs nor should pay for.
      child = spawn(process.execPath, [this.helperPath], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { ...process.env, NODE_OPTIONS: '' },
      });
    } catch {
      this.direct = true;
      return undefined;
    }
    this.child = child;
    this.hold(child, false);
    child.on('message', (m: unknown) => {
      if (!isResult(m)) return;
      const done = this.pending.get(m.id);
      if (done === undefined) return;
      this.answered = true;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.hold(child, false);
      done({ code: m.code, stdout: m.stdout, stderr: m.stderr });
    });
    // A helper that never answered (cannot start here) is not tried again.
    child.on('error', () => this.gone(child));
    child.on('exit', () => this.gone(child));
    return child;
  }

  private gone(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (!this.answered) this.direct = true;
    const held = [...this.pending.values()];
    this.pending.clear();
    for (const done of held) done({ code: 1, stdout: '', stderr: 'the command helper exited' });
  }

  /** The helper keeps this process alive only while it holds commands. */
  private hold(child: ChildProcess, on: boolean): void {
    if (on) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }
}

const shared = new CommandHelper();

/** Runs argv with `stdin` through the process's command helper. */
export function runCommand(argv: readonly string[], stdin = ''): Promise<CommandResult> {
  return shared.run(argv, stdin);
}
