/**
 * What the process executor keeps on disk per task, under `${stateDir}/${taskId}/`, so that a restarted
 * agent can find its tasks again: the process record, the exit code the wrapper writes, the command a
 * standalone task was given locally, and the task's stdout/stderr logs.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The task's process as recorded when it started. */
export interface ProcessRecord {
  /** The wrapper (PID 1 of the task's pid namespace) as the host sees it; 0 if it was never seen. */
  pid: number;
  /** The wrapper's start time from /proc/<pid>/stat: a pid reused by another process does not match. */
  startTime: number;
  /** The process group of the launch (`ip netns exec … unshare`), killed whole by SIGKILL. */
  pgid: number;
  /**
   * The launch's start time (its pid is the group's): found alive, it holds the task's processes even
   * when the wrapper was never seen. Absent in records of older agents.
   */
  launchStartTime?: number;
  netns: string;
}

/** The command of a standalone task (`shoal run`): the managers keep none for it. */
export interface LocalCommand {
  argv: string[];
  env: string[];
  /** `--name`; '' when none was given. */
  name: string;
}

export class TaskStateDir {
  readonly dir: string;
  constructor(
    stateDir: string,
    readonly taskId: string,
  ) {
    this.dir = join(stateDir, taskId);
  }

  get stdoutPath(): string {
    return join(this.dir, 'stdout.log');
  }
  get stderrPath(): string {
    return join(this.dir, 'stderr.log');
  }
  get exitPath(): string {
    return join(this.dir, 'exit');
  }

  create(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  writeProcess(rec: ProcessRecord): void {
    writeJson(join(this.dir, 'process.json'), rec);
  }
  readProcess(): ProcessRecord | undefined {
    return readJson<ProcessRecord>(join(this.dir, 'process.json'));
  }

  writeCommand(cmd: LocalCommand): void {
    this.create();
    writeJson(join(this.dir, 'command.json'), cmd);
  }
  readCommand(): LocalCommand | undefined {
    return readJson<LocalCommand>(join(this.dir, 'command.json'));
  }

  /** The exit code the wrapper wrote, or undefined if it wrote none (killed, or still running). */
  readExitCode(): number | undefined {
    try {
      const n = Number.parseInt(readFileSync(this.exitPath, 'utf8').trim(), 10);
      return Number.isNaN(n) ? undefined : n;
    } catch {
      return undefined;
    }
  }

  /** The logs as written so far ('' for a stream never written). */
  logs(): { stdout: Buffer; stderr: Buffer } {
    return { stdout: readOrEmpty(this.stdoutPath), stderr: readOrEmpty(this.stderrPath) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The task ids that have a folder under `stateDir`. */
export function listTaskDirs(stateDir: string): string[] {
  try {
    return readdirSync(stateDir, { withFileTypes: true })
      .filter(e => e.isDirectory())
      .map(e => e.name);
  } catch {
    return [];
  }
}

function writeJson(path: string, value: unknown): void {
  // Written whole then renamed: a crash mid-write leaves the previous record, not half of one.
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function readOrEmpty(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}
