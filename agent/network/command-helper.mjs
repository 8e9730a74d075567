// The agent's command helper: a small, long-lived child that starts the data plane's short commands
// (ip, bridge, nft, sysctl) for it. A fork copies the parent's page tables, so a command started by a
// shoald of a few hundred MB costs several times one started from this bare node process (measured:
// `ip -V` ~2x faster through here, IPC included). Plain JavaScript with node's own modules only, so it
// starts as fast as node can (see command-runner.ts).
//
// Protocol (IPC, JSON): {id, argv: string[], stdin: string} → {id, code, stdout, stderr}. It exits when
// its parent goes (the IPC channel closes); commands it started run to their end.
import { spawn } from 'node:child_process';
import process from 'node:process';

/** Output kept per stream: past it the command is stopped (nothing the data plane runs prints that much). */
const MAX_OUTPUT = 32 << 20;

process.on('disconnect', () => process.exit(0));

function valid(m) {
  return (
    typeof m === 'object' &&
    m !== null &&
    Number.isSafeInteger(m.id) &&
    Array.isArray(m.argv) &&
    m.argv.length > 0 &&
    m.argv.every(a => typeof a === 'string') &&
    typeof m.stdin === 'string'
  );
}

function reply(m) {
  if (process.connected) process.send(m);
}

process.on('message', m => {
  if (!valid(m)) {
    if (typeof m?.id === 'number') reply({ id: m.id, code: 1, stdout: '', stderr: 'bad command request' });
    return;
  }
  let child;
  try {
    child = spawn(m.argv[0], m.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    reply({ id: m.id, code: 1, stdout: '', stderr: String(err) });
    return;
  }
  const out = { stdout: '', stderr: '' };
  let tooMuch = false;
  const collect = key => b => {
    if (out[key].length + b.length > MAX_OUTPUT) {
      tooMuch = true;
      child.kill('SIGKILL');
      return;
    }
    out[key] += b.toString();
  };
  child.stdout.on('data', collect('stdout'));
  child.stderr.on('data', collect('stderr'));
  let done = false;
  const finish = (code, note) => {
    if (done) return;
    done = true;
    reply({ id: m.id, code, stdout: out.stdout, stderr: out.stderr + note });
  };
  child.on('error', err => finish(1, String(err)));
  child.on('close', code =>
    tooMuch ? finish(1, `\n${m.argv[0]}: output over ${MAX_OUTPUT} bytes`) : finish(code ?? 1, ''),
  );
  // A command that exits before reading all of stdin must not end us with EPIPE.
  child.stdin.on('error', () => undefined);
  child.stdin.end(m.stdin);
});
