/**
 * `shoal swarm join` to an address where no manager answers, through the real CLI and a real daemon: the
 * daemon says which address it could not reach and why (a closed port, a port that speaks something else,
 * a TLS server that is not a manager, one that accepts and never answers, bounded by the call's deadline),
 * and the CLI shows it as the daemon's answer, never as its own failure to reach the local daemon. The
 * daemon is left as it was: the same command to the real manager then joins.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRootCa } from '../../certs/index.ts';
import { issueNode } from '../certs/fixtures.ts';
import { freePort, harness } from '../daemon/helpers.ts';
import { runCli, type CliResult } from './run-cli.ts';

const h = harness('shoal-cli-join-');
const servers: Server[] = [];
const sockets = new Set<Socket>();
let grpcServer: grpc.Server | undefined;
after(async () => {
  grpcServer?.forceShutdown();
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  await h.cleanup();
});

let managerAddr = '';
let token = '';
let listenAddr = '';

/** `shoal swarm join` on the daemon w1, to `addr`. */
const joinW1 = (addr: string): Promise<CliResult> =>
  runCli(['swarm', 'join', '--token', token, '--listen-addr', listenAddr, addr], join(h.root, 'w1.sock'));

/** A TCP server on loopback that hands each connection to `onConnection`; its address. */
async function tcpServer(onConnection: (s: Socket) => void): Promise<string> {
  const server = createServer(s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s);
  });
  servers.push(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  assert.ok(a !== null && typeof a === 'object');
  return `127.0.0.1:${a.port}`;
}

function refusedByTheDaemon(r: CliResult, addr: string, why: string): void {
  assert.deepEqual(r, {
    code: 1,
    out: '',
    err: `Error response from daemon: could not reach the manager at ${addr}: ${why}\n`,
  });
}

before(async () => {
  await h.daemon('m1');
  managerAddr = `127.0.0.1:${await freePort()}`;
  const init = await runCli(['swarm', 'init', '--listen-addr', managerAddr], join(h.root, 'm1.sock'));
  assert.equal(init.code, 0, init.err);
  const t = await runCli(['swarm', 'join-token', '-q', 'worker'], join(h.root, 'm1.sock'));
  assert.equal(t.code, 0, t.err);
  token = t.out.trim();
  await h.daemon('w1');
  listenAddr = `127.0.0.1:${await freePort()}`;
});

test('a closed port: the daemon could not reach the manager there, connection refused', async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  refusedByTheDaemon(await joinW1(addr), addr, 'connection refused');
});

test('an open port that is not a manager: no TLS, or TLS but not a shoal manager', async () => {
  // An SSH server's greeting, then the connection is left open.
  const ssh = await tcpServer(s => s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
  const tls = 'the TLS handshake failed (is that the manager port of a shoal node?)';
  refusedByTheDaemon(await joinW1(ssh), ssh, tls);
  // One that hangs up on the client's first bytes (read first: unread bytes would make it a reset).
  const closer = await tcpServer(s => s.once('data', () => s.end()));
  refusedByTheDaemon(await joinW1(closer), closer, tls);

  // A gRPC server over TLS without the CA service.
  const cert = issueNode(createRootCa(), 'swarm-manager');
  grpcServer = new grpc.Server();
  const creds = grpc.ServerCredentials.createSsl(null, [
    { private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) },
  ]);
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer?.bindAsync('127.0.0.1:0', creds, (err, p) => (err === null ? resolve(p) : reject(err))),
  );
  const other = `127.0.0.1:${port}`;
  refusedByTheDaemon(await joinW1(other), other, 'the server there is not a shoal manager');
});

test('a port that accepts and never answers: refused after the call deadline, not a hang', async () => {
  const silent = await tcpServer(() => undefined);
  refusedByTheDaemon(await joinW1(silent), silent, 'no answer within 5 s');
});

test('after the failed joins the daemon joins the real manager', async () => {
  assert.deepEqual(await joinW1(managerAddr), {
    code: 0,
    out: 'This node joined a swarm as a worker.\n',
    err: '',
  });
});
