/**
 * Any gRPC client can find its way around a manager: the standard health service and server
 * reflection answer on the manager port over TLS, without a client certificate.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { clientOf, loadShoalPackage } from '../../proto/load.ts';
import { Daemon } from '../../node/daemon.ts';

const root = mkdtempSync(join(tmpdir(), 'shoal-discovery-'));
const require = createRequire(import.meta.url);
let daemon: Daemon | undefined;
after(async () => {
  await daemon?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function protoDir(pkgName: string): string {
  return dirname(require.resolve(`${pkgName}/package.json`));
}

test('health and reflection answer on the manager port without a client certificate', async () => {
  daemon = await Daemon.start({
    dataDir: join(root, 'd'),
    socketPath: join(root, 'd.sock'),
    hostname: 'm1',
    log: pino({ level: 'silent' }),
    tickMs: 20,
  });
  const port = await freePort();
  const Swarm = clientOf(loadShoalPackage('control.proto'), 'Swarm');
  const local = new Swarm(`unix:${join(root, 'd.sock')}`, grpc.credentials.createInsecure());
  await new Promise<void>((ok, fail) =>
    (local as unknown as { Init(r: object, cb: (e: Error | null) => void): void }).Init(
      { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' },
      e => (e === null ? ok() : fail(e)),
    ),
  );
  local.close();

  const ca = readFileSync(join(root, 'd', 'certificates', 'swarm-root-ca.crt'));
  const creds = grpc.credentials.createSsl(ca);
  const opts = { 'grpc.ssl_target_name_override': 'swarm-manager' };

  const healthDef = protoLoader.loadSync(
    join(protoDir('grpc-health-check'), 'proto/health/v1/health.proto'),
    {
      enums: String,
    },
  );
  const Health = (
    grpc.loadPackageDefinition(healthDef) as unknown as {
      grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    }
  ).grpc.health.v1.Health;
  const health = new Health(`127.0.0.1:${port}`, creds, opts);
  const status = await new Promise<{ status: string }>((ok, fail) =>
    (
      health as unknown as { Check(r: object, cb: (e: Error | null, v: { status: string }) => void): void }
    ).Check({ service: '' }, (e, v) => (e === null ? ok(v) : fail(e))),
  );
  health.close();
  assert.equal(status.status, 'SERVING');

  const reflDef = protoLoader.loadSync(
    join(protoDir('@grpc/reflection'), 'build/proto/grpc/reflection/v1/reflection.proto'),
  );
  const Reflection = (
    grpc.loadPackageDefinition(reflDef) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    }
  ).grpc.reflection.v1.ServerReflection;
  const refl = new Reflection(`127.0.0.1:${port}`, creds, opts);
  const names = await new Promise<string[]>((ok, fail) => {
    const call = (
      refl as unknown as {
        ServerReflectionInfo(): grpc.ClientDuplexStream<
          object,
          { listServicesResponse?: { service: { name: string }[] } }
        >;
      }
    ).ServerReflectionInfo();
    call.on('data', r => {
      ok((r.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name));
      call.end();
    });
    call.on('error', fail);
    call.write({ listServices: '*' });
  });
  refl.close();
  for (const s of ['shoal.v1.Control', 'shoal.v1.CA', 'shoal.v1.NodeCA', 'shoal.v1.Raft'])
    assert.ok(names.includes(s), `${s} in ${names.join(', ')}`);
});
