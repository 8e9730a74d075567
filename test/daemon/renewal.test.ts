/**
 * Certificate status and renewal, end to end on loopback: NodeCertificateStatus answers with the
 * certificate a node holds; a node whose certificate is due (its clock moved past the renewal point)
 * renews it under mTLS, writes it to its certificates folder, serves it on the manager port at once
 * without restarting its manager (Raft streams already open stay up), and keeps answering calls.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { readIdentity } from '../../certs/index.ts';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import type { NodeCertificateStatusResponse__Output } from '../../proto/gen/shoal/v1/NodeCertificateStatusResponse.ts';
import type { Daemon } from '../../node/daemon.ts';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-renewal-');
after(() => h.cleanup());
const caPkg = loadShoalPackage('ca.proto');
const DAY = 24 * 3600_000;

/** What a daemon logged (at debug level and up), by message. */
class LogLines {
  readonly msgs: string[] = [];
  readonly log = pino({ level: 'debug' }, { write: (line: string) => this.msgs.push(msgOf(line)) });
  count(msg: string): number {
    return this.msgs.filter(m => m === msg).length;
  }
}

function msgOf(line: string): string {
  const rec = JSON.parse(line) as { msg?: unknown };
  return typeof rec.msg === 'string' ? rec.msg : '';
}

/** Starts a daemon named `name` with a fast node loop and a clock `skew.ms` ahead of the real one. */
function daemon(name: string, skew: { ms: number }, logs: LogLines): Promise<Daemon> {
  return h.daemon(name, { pollMs: 50, now: () => Date.now() + skew.ms, log: logs.log });
}

function certFile(name: string, file: string): string {
  return readFileSync(join(h.root, name, 'certificates', file), 'utf8');
}

/** NodeCertificateStatus on the manager port, as a caller with no certificate. */
async function status(port: number, nodeId: string): Promise<NodeCertificateStatusResponse__Output> {
  const c = new (clientOf(caPkg, 'NodeCA'))(
    `127.0.0.1:${port}`,
    grpc.credentials.createSsl(Buffer.from(certFile('m1', 'swarm-root-ca.crt'))),
    { 'grpc.ssl_target_name_override': 'swarm-manager' },
  );
  try {
    return await unaryCall(c, 'NodeCertificateStatus', { nodeId }, { deadline: Date.now() + 5000 });
  } finally {
    c.close();
  }
}

/** The serial number of the certificate the manager port presents (lowercase hex). */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      const serial = s.getPeerCertificate().serialNumber.toLowerCase();
      s.destroy();
      resolve(serial);
    });
    s.on('error', reject);
  });
}

test('status returns the issued certificate; a due certificate is renewed and used at once', async () => {
  const skew1 = { ms: 0 };
  const skew2 = { ms: 0 };
  const [logs1, logs2] = [new LogLines(), new LogLines()];
  await daemon('m1', skew1, logs1);
  const port1 = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port1}`, advertiseAddr: '' });
  await daemon('m2', skew2, logs2);
  const port2 = await freePort();
  const joined = await h.client('m2', 'Swarm')('Join', {
    token: init.managerToken,
    remoteAddr: `127.0.0.1:${port1}`,
    listenAddr: `127.0.0.1:${port2}`,
    advertiseAddr: '',
  });
  const nodeId = String(joined.nodeId);

  const first = certFile('m2', 'swarm-node.crt');
  const st = await status(port1, nodeId);
  assert.deepEqual(
    { ...st, managers: st.managers.sort() },
    {
      status: 'issued',
      certificate: first,
      role: 'manager',
      managers: [`127.0.0.1:${port1}`, `127.0.0.1:${port2}`].sort(),
      desiredRole: 'manager',
    },
  );
  await assert.rejects(status(port1, 'nosuchnode'), { code: grpc.status.NOT_FOUND });
  await assert.rejects(status(port1, ''), { code: grpc.status.INVALID_ARGUMENT });
  assert.equal(await servedSerial(port2), readIdentity(first).serial);
  // Both managers are in Raft and talk: a write commits (it needs m2's vote as well as m1's).
  await h.client('m1', 'Control')('RotateJoinToken', { role: 'worker' });
  const brokenBefore = logs1.count('raft stream to peer broke') + logs2.count('raft stream to peer broke');
  assert.equal(logs2.count('manager started'), 1);

  // 80 days on, m2's certificate (90 days, renewed 50–80 % in) is due; m1's clock stays.
  skew2.ms = 80 * DAY;
  await until('m2 to renew its certificate', () =>
    Promise.resolve(certFile('m2', 'swarm-node.crt') !== first),
  );
  skew2.ms = 0;

  // The renewed certificate is the one the CA recorded, for the same node and role, and m2 serves it.
  await until('the certificate m2 serves to be the one on its disk', async () => {
    const onDisk = readIdentity(certFile('m2', 'swarm-node.crt')).serial;
    return (await servedSerial(port2).catch(() => '')) === onDisk;
  });
  const renewed = certFile('m2', 'swarm-node.crt');
  const id = readIdentity(renewed);
  assert.deepEqual([id.nodeId, id.role], [nodeId, 'swarm-manager']);
  assert.notEqual(id.serial, readIdentity(first).serial);
  assert.ok(id.notAfter.getTime() - Date.now() > 89 * DAY, 'a fresh 90-day certificate');
  await until('the CA to report the renewed certificate', async () => {
    return (await status(port1, nodeId)).certificate === renewed;
  });

  // Calls keep working through m2: its manager answers node ls, and its Raft is in the cluster.
  await until('node ls through m2 after the renewal', async () => {
    const ls = await h
      .client('m2', 'Control')('ListNodes', {})
      .catch(() => undefined);
    return (ls?.nodes as unknown[] | undefined)?.length === 2;
  });
  await h.client('m2', 'Control')('RotateJoinToken', { role: 'worker' });

  // …by the same manager: it was not restarted, so no Raft stream between the two broke on the way.
  assert.equal(logs2.count('manager started'), 1, 'the manager was not restarted');
  assert.equal(
    logs1.count('raft stream to peer broke') + logs2.count('raft stream to peer broke'),
    brokenBefore,
    'the raft streams open before the renewal stayed up',
  );
});
