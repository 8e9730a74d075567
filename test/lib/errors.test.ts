/**
 * Domain errors reach callers through one mapping (proto/rpc-status.ts toGrpcStatus): each class gives
 * its status with its own text, and the one "not the leader" refusal reads the same everywhere, names
 * the leader in its text and in metadata, and is what `shoal` shows.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { DomainError } from '../../lib/domain-error.ts';
import {
  AbortedError,
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  PermissionError,
  PreconditionError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
} from '../../lib/errors.ts';
import { NotLeaderError } from '../../lib/not-leader-error.ts';
import { LEADER_ADDR_METADATA } from '../../proto/dispatcher-types.ts';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { toGrpcStatus } from '../../proto/rpc-status.ts';
import { unary } from '../../server/rpc/status.ts';
import { runCli } from '../cli/run-cli.ts';

const log = pino({ level: 'silent' });

test('each domain error class maps to its status, with its own text', () => {
  const cases: [DomainError, grpc.status][] = [
    [new InvalidArgumentError('node ID is required'), grpc.status.INVALID_ARGUMENT],
    [new NotFoundError('node x not found'), grpc.status.NOT_FOUND],
    [new ConflictError('config c already exists'), grpc.status.ALREADY_EXISTS],
    [new PreconditionError('attempting to demote the last manager'), grpc.status.FAILED_PRECONDITION],
    [new PermissionError('node x was removed from swarm'), grpc.status.PERMISSION_DENIED],
    [new UnauthenticatedError('a node certificate is required'), grpc.status.UNAUTHENTICATED],
    [new ResourceExhaustedError('no subnet left'), grpc.status.RESOURCE_EXHAUSTED],
    [new UnavailableError('the cluster is still starting'), grpc.status.UNAVAILABLE],
    [new UnimplementedError('renaming services is not supported'), grpc.status.UNIMPLEMENTED],
    [new AbortedError('session replaced by a newer one'), grpc.status.ABORTED],
    [new NotLeaderError(), grpc.status.UNAVAILABLE],
  ];
  for (const [err, code] of cases) {
    const s = toGrpcStatus(err, log);
    assert.deepEqual([s.code, s.details], [code, err.message], err.name);
    assert.deepEqual(s.metadata.getMap(), {}, `${err.name}: no metadata`);
  }
  const internal = toGrpcStatus(new Error('a bug with a secret in it'), log);
  assert.deepEqual([internal.code, internal.details], [grpc.status.INTERNAL, 'internal error (see the log)']);
});

test('NotLeaderError: one text, naming the leader when one is known, in the text and in metadata', () => {
  const members = new Map([
    [7, '192.0.2.7:2377'],
    [9, '192.0.2.9:2377'],
  ]);
  const known = NotLeaderError.of({ leader: 9, members });
  assert.equal(known.message, 'this manager is not the leader; the leader is at 192.0.2.9:2377');
  const s = toGrpcStatus(known, log);
  assert.equal(s.code, grpc.status.UNAVAILABLE);
  assert.deepEqual(s.metadata.get(LEADER_ADDR_METADATA), ['192.0.2.9:2377']);
  assert.ok(known instanceof UnavailableError, 'a kind of unavailable');
  assert.equal(
    NotLeaderError.of({ leader: 0, members }).message,
    'this manager is not the leader, and no leader is known; try another manager',
  );
});

test('shoal shows the not-the-leader refusal of a daemon as the daemon said it', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-errors-'));
  const socketPath = join(dir, 'shoald.sock');
  const server = new grpc.Server();
  t.after(async () => {
    server.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });
  const control = loadShoalPackage('control.proto');
  server.addService(serviceOf(control, 'Swarm'), {
    Info: unary(log, () => Promise.resolve({ state: 'active', nodeId: 'n1', isManager: true })),
  });
  server.addService(serviceOf(control, 'Control'), {
    ListNodes: unary(log, () => Promise.reject(new NotLeaderError('192.0.2.9:2377'))),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, grpc.ServerCredentials.createInsecure(), err =>
      err === null ? resolve() : reject(err),
    ),
  );
  const r = await runCli(['node', 'ls'], socketPath);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    'Error response from daemon: this manager is not the leader; the leader is at 192.0.2.9:2377\n',
  );
});
