/**
 * shoal: the command-line client of shoald. The only place (with bin/shoald.ts) that reads argv and
 * the environment; everything else is cli/program.ts's `run()`.
 *
 * The daemon socket, first match wins: `--host unix:///path`, then SHOAL_HOST (same form), then
 * SHOAL_SOCKET (a plain path, as shoald and `npm start` take it), then /var/run/shoald.sock.
 */
import { resolve } from 'node:path';
import { InvalidHostError, socketPathOfHost } from './cli/daemon-client.ts';
import { run } from './cli/program.ts';

function defaultSocketPath(): string {
  const host = process.env.SHOAL_HOST;
  if (host !== undefined && host !== '') return socketPathOfHost(host);
  return resolve(process.env.SHOAL_SOCKET ?? '/var/run/shoald.sock');
}

// A reader that quits early (`shoal node ls | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

try {
  process.exitCode = await run(process.argv.slice(2), {
    out: s => void process.stdout.write(s),
    err: s => void process.stderr.write(s),
    socketPath: defaultSocketPath(),
    isTTY: process.stdout.isTTY === true,
  });
} catch (err) {
  // Only a bad SHOAL_HOST gets here: run() itself never throws.
  const message = err instanceof InvalidHostError ? `SHOAL_HOST: ${err.message}` : String(err);
  process.stderr.write(`shoal: ${message}\n`);
  process.exitCode = 1;
}
