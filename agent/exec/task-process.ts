/**
 * How one task's process is launched and recognised on the host: the argv that puts it in its network
 * namespace plus new uts/pid/mount namespaces, the `docker --init`-like wrapper shell that is PID 1 there,
 * the check that its command exists, and the /proc facts that tell a live task from a reused pid.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The PATH a task gets when its env names none (docker's default). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Linux refuses longer hostnames (HOST_NAME_MAX). */
const HOST_NAME_MAX = 64;

/**
 * PID 1 of the task's pid namespace. $0 = hostname, $1 = exit-code file, the rest = the command.
 * A PID 1 ignores signals it has no handler for, so the trap forwards TERM to the command; the command's
 * status is written to a file (the agent may not be its parent after a restart), then the shell exits
 * with it, which ends the namespace. Its own stderr is closed once the command runs so that the shell's
 * "Terminated" notices do not land in the task's log.
 */
const WRAPPER = [
  'printf %s "$0" > /proc/sys/kernel/hostname || exit 126',
  'ef=$1; shift',
  // shoald's umask keeps its data folder private (node/daemon.ts); the task gets docker's.
  '(umask 022 && exec "$@") &',
  'c=$!',
  'exec 2>/dev/null',
  'trap "kill -TERM $c" TERM',
  'trap "kill -INT $c" INT',
  'while :; do wait "$c"; rc=$?; kill -0 "$c" || break; done',
  'printf "%s\\n" "$rc" > "$ef.tmp" && mv "$ef.tmp" "$ef"',
  'exit "$rc"',
].join('\n');

/** The argv (for spawn, no shell) that runs `command` as a task in network namespace `netns`. */
export function taskArgv(
  netns: string,
  hostname: string,
  exitFile: string,
  command: readonly string[],
): string[] {
  return [
    'ip',
    'netns',
    'exec',
    netns,
    'unshare',
    '--uts',
    '--pid',
    '--mount',
    '--fork',
    '--mount-proc',
    '/bin/sh',
    '-c',
    WRAPPER,
    hostname.slice(0, HOST_NAME_MAX),
    exitFile,
    ...command,
  ];
}

/** `env` with PATH (and HOSTNAME, as docker sets it) filled in when missing. */
export function taskEnv(env: readonly string[], hostname: string): Record<string, string> {
  const out: Record<string, string> = { PATH: DEFAULT_PATH, HOSTNAME: hostname };
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** Why `program` cannot be executed (docker's wording), or undefined when it can. */
export function executableProblem(program: string | undefined, path: string): string | undefined {
  if (program === undefined || program === '') return 'no command given';
  const runnable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) {
    return runnable(program) ? undefined : `exec: "${program}": stat ${program}: no such file or directory`;
  }
  const found = path.split(':').some(dir => dir !== '' && runnable(join(dir, program)));
  return found ? undefined : `exec: "${program}": executable file not found in $PATH`;
}

/** What /proc says of a pid now: its start time (clock ticks since boot) and whether it is a zombie. */
export interface ProcFacts {
  startTime: number;
  zombie: boolean;
}

/** /proc/<pid>/stat's facts, or undefined when there is no such process. */
export function procFacts(pid: number): ProcFacts | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); starttime is field 22.
  return { zombie: fields[0] === 'Z' || fields[0] === 'X', startTime: Number(fields[19]) };
}

/** Whether `pid` is the live process that started at `startTime` (not a reused pid, not a zombie). */
export function sameLiveProcess(pid: number, startTime: number): boolean {
  if (pid <= 0) return false;
  const f = procFacts(pid);
  return f !== undefined && !f.zombie && f.startTime === startTime;
}

/**
 * Whether `pid` has a handler for SIGTERM (SigCgt in /proc/<pid>/status). The kernel drops a SIGTERM
 * sent to the init of a pid namespace (the wrapper) while it has none.
 */
export function catchesTerm(pid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  // Signal n is bit n-1: SIGTERM (15) is 0x4000, within the mask's last 8 hex digits.
  return caught !== undefined && (Number.parseInt(caught.slice(-8), 16) & 0x4000) !== 0;
}

/** The first child of `pid` (the wrapper under `unshare --fork`), or undefined while it has none. */
export function firstChild(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
    return first === undefined || first === '' ? undefined : Number(first);
  } catch {
    return undefined;
  }
}
