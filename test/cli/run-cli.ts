/** Runs the `shoal` CLI in-process, as the CLI tests do: one command, its exit code and its output. */
import { run } from '../../bin/cli/program.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `shoal argv…` against the daemon at `socketPath`, its output captured (not a terminal). */
export async function runCli(argv: string[], socketPath: string): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    out: s => (out += s),
    err: s => (err += s),
    socketPath,
    isTTY: false,
  });
  return { code, out, err };
}
