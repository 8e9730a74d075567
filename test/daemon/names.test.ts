/**
 * Names Docker refuses, through an in-process shoald's unix socket: networks named like the predefined
 * ones (docker's text), services and networks whose names are no DNS label (swarmkit's rule and texts),
 * on create and on update; and a service created without a name gets one, as docker's daemon gives it.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WireNetwork, WireService } from '../../proto/control-types.ts';
import { freePort, harness, type Call } from './helpers.ts';

const h = harness('shoal-names-');
after(() => h.cleanup());

let control: Call;

before(async () => {
  await h.daemon('m1');
  await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '' });
  control = h.client('m1', 'Control');
});

function spec(name: string): Record<string, unknown> {
  return { name, mode: 'replicated', replicas: 1, task: { command: ['sleep', '1000'] } };
}

async function names(): Promise<{ services: string[]; networks: string[] }> {
  return {
    services: ((await control('ListServices', {})).services as WireService[]).map(s => s.spec.name),
    networks: ((await control('ListNetworks', {})).networks as WireNetwork[]).map(n => n.spec.name),
  };
}

test('networks named host, none, bridge or default are refused with docker’s text', async () => {
  const before = await names();
  for (const name of ['host', 'none', 'bridge', 'default']) {
    await assert.rejects(control('CreateNetwork', { spec: { name, driver: 'overlay', attachable: true } }), {
      code: grpc.status.PERMISSION_DENIED,
      details: `${name} is a pre-defined network and cannot be created`,
    });
  }
  assert.deepEqual(await names(), before);
  // Names that only look like them are names like any other.
  await control('CreateNetwork', { spec: { name: 'hostnet', driver: 'overlay' } });
});

test('a service or network name must be a DNS label (swarmkit’s rule and texts)', async () => {
  const before = await names();
  for (const name of ['web.1', '-x', 'x-', 'a b', '_x']) {
    for (const [method, req] of [
      ['CreateService', { spec: spec(name) }],
      ['CreateNetwork', { spec: { name, driver: 'overlay' } }],
    ] as const) {
      await assert.rejects(control(method, req), {
        code: grpc.status.INVALID_ARGUMENT,
        details: 'name must be valid as a DNS name component',
      });
    }
  }
  await assert.rejects(control('CreateService', { spec: spec('x'.repeat(64)) }), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'name must be 63 characters or fewer',
  });
  assert.deepEqual(await names(), before);
  // Underscores are swarmkit's (stack services are <stack>_<name>); 63 characters are.
  await control('CreateService', { spec: spec('stack_web') });
  await control('CreateService', { spec: spec('x'.repeat(63)) });
});

test('update: a bad name is refused as on create, a good new one as a rename', async () => {
  const web = (await control('CreateService', { spec: spec('renamed') })).service as WireService;
  const update = (name: string) =>
    control('UpdateService', { serviceId: web.id, version: web.version, spec: { ...web.spec, name } });
  await assert.rejects(update('renamed.1'), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'name must be valid as a DNS name component',
  });
  await assert.rejects(update('other'), {
    code: grpc.status.UNIMPLEMENTED,
    details: 'renaming services is not supported',
  });
});

test('a service created without a name gets a generated one, docker’s adjective_surname', async () => {
  const made = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const s = (await control('CreateService', { spec: spec('') })).service as WireService;
    assert.match(s.spec.name, /^[a-z]+_[a-z]+\d?$/);
    made.add(s.spec.name);
    // It is a name like any other: the service is found by it.
    const got = (await control('GetService', { serviceId: s.spec.name })).service as WireService;
    assert.equal(got.id, s.id);
  }
  assert.equal(made.size, 3);
});
