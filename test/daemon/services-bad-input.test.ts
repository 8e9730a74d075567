/**
 * The service calls against bad input, through an in-process shoald's unix socket: every refusal is
 * INVALID_ARGUMENT (or the status Swarm gives) with a readable message, and writes nothing: the services
 * and networks listed afterwards are exactly those listed before, allocations included.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WireService } from '../../proto/control-types.ts';
import { freePort, harness, type Call } from './helpers.ts';

const h = harness('shoal-services-bad-');
after(() => h.cleanup());

let control: Call;
let web: WireService;

before(async () => {
  await h.daemon('m1');
  await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '' });
  control = h.client('m1', 'Control');
  await control('CreateNetwork', { spec: { name: 'test' } });
  web = (await control('CreateService', { spec: spec('web', { networks: ['test'] }) }))
    .service as WireService;
});

function spec(name: string, o: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, mode: 'replicated', replicas: 1, task: { command: ['sleep', '1000'] }, ...o };
}

function ports(...list: Record<string, unknown>[]): Record<string, unknown> {
  return { endpoint: { mode: 'vip', ports: list } };
}

/** Everything a refusal must leave as it was. */
async function state(): Promise<unknown> {
  return {
    services: (await control('ListServices', {})).services,
    networks: (await control('ListNetworks', {})).networks,
  };
}

/** [what, spec fields on top of a good spec (or a whole request), expected code, expected details]. */
type Case = [string, Record<string, unknown> | { request: object }, grpc.status, RegExp];

const I = grpc.status.INVALID_ARGUMENT;

/** `n` labels `l0`… with empty values. */
const manyLabels = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, '']));

const cases: Case[] = [
  ['no spec', { request: {} }, I, /^a service spec is required$/],
  ['10,000-character name', { name: 's'.repeat(10_000) }, I, /^name must be 63 characters or fewer$/],
  ['invalid name characters', { name: 'web/1' }, I, /^name must be valid as a DNS name component$/],
  ['a task reference as a name', { name: 'web.1' }, I, /^name must be valid as a DNS name component$/],
  ['a leading dash', { name: '-x' }, I, /^name must be valid as a DNS name component$/],
  ['unknown mode', { mode: 'daemonset' }, I, /^invalid service mode "daemonset"/],
  [
    'global with replicas',
    { mode: 'global', replicas: 3 },
    I,
    /replicas can only be used with replicated mode/,
  ],
  ['no task', { task: null }, I, /^a service needs a command to run$/],
  ['empty command', { task: { command: [] } }, I, /^a service needs a command to run$/],
  ['empty program', { task: { command: [''] } }, I, /^a service needs a command to run$/],
  ['bad env', { task: { command: ['x'], env: ['=1'] } }, I, /invalid environment variable "=1"/],
  ['1001 labels', { labels: manyLabels(1001) }, I, /^service has 1001 labels; at most 1000 are allowed$/],
  [
    'a 1 MiB label value',
    { labels: { big: 'v'.repeat(1024 * 1024) } },
    I,
    /^service label "big" has a value of 1048576 bytes; at most 4096 are allowed$/,
  ],
  [
    'a 257-byte label name',
    { labels: { ['k'.repeat(257)]: '' } },
    I,
    /^service label "k{40}…" has a name of 257 bytes; at most 256 are allowed$/,
  ],
  [
    '4097 arguments',
    { task: { command: ['x'], args: Array.from({ length: 4096 }, () => 'a') } },
    I,
    /^command and arguments: 4097 given; at most 4096 are allowed$/,
  ],
  [
    'a 1 MiB argument',
    { task: { command: ['x'], args: ['a'.repeat(1024 * 1024)] } },
    I,
    /^argument "a{40}…" is 1048576 bytes long; at most 131072 are allowed$/,
  ],
  [
    '4097 environment variables',
    { task: { command: ['x'], env: Array.from({ length: 4097 }, (_, i) => `V${i}=1`) } },
    I,
    /^environment variables: 4097 given; at most 4096 are allowed$/,
  ],
  [
    '101 constraints',
    { task: { command: ['x'], constraints: Array.from({ length: 101 }, () => 'node.role==manager') } },
    I,
    /^placement constraints: 101 given; at most 100 are allowed$/,
  ],
  [
    '1025 ports',
    { endpoint: { mode: 'vip', ports: Array.from({ length: 1025 }, () => ({ targetPort: 80 })) } },
    I,
    /^1025 ports given; a service may have at most 1024$/,
  ],
  [
    '101 networks',
    { networks: Array.from({ length: 101 }, () => 'test') },
    I,
    /^service attaches to 101 networks; at most 100 are allowed$/,
  ],
  [
    'an unknown network named by 10,000 characters',
    { networks: ['n'.repeat(10_000)] },
    I,
    /^network n{64}… not found$/,
  ],
  [
    'bad constraint',
    { task: { command: ['x'], constraints: ['node.role=manager'] } },
    I,
    /invalid constraint "node.role=manager": expected <key>==<value>/,
  ],
  [
    'unknown constraint key',
    { task: { command: ['x'], constraints: ['node.colour==red'] } },
    I,
    /unknown key "node.colour"/,
  ],
  [
    'bad restart condition',
    { task: { command: ['x'], restart: { condition: 'always', delayMs: 0, maxAttempts: 0 } } },
    I,
    /invalid restart condition "always"/,
  ],
  ['unknown network', { networks: ['nope'] }, I, /^network nope not found$/],
  [
    'the ingress network named explicitly',
    { networks: ['ingress'] },
    I,
    /^Service cannot be explicitly attached to the ingress network "ingress"$/,
  ],
  ['the same network twice', { networks: ['test', 'test'] }, I, /network test is attached more than once/],
  ['target port 0', ports({ targetPort: 0 }), I, /^invalid target port 0: must be between 1 and 65535$/],
  ['target port 65536', ports({ targetPort: 65536 }), I, /^invalid target port 65536/],
  [
    'published port 65536',
    ports({ targetPort: 80, publishedPort: 65536 }),
    I,
    /^invalid published port 65536/,
  ],
  ['bad protocol', ports({ targetPort: 80, protocol: 'sctp' }), I, /^invalid port protocol "sctp"/],
  ['bad publish mode', ports({ targetPort: 80, publishMode: 'mesh' }), I, /^invalid publish mode "mesh"/],
  ['bad endpoint mode', { endpoint: { mode: 'lb', ports: [] } }, I, /^invalid endpoint mode "lb"/],
  [
    'dnsrr with an ingress port',
    { endpoint: { mode: 'dnsrr', ports: [{ targetPort: 80, publishedPort: 8080 }] } },
    I,
    /^EndpointSpec: port published with ingress mode can't be used with dnsrr mode$/,
  ],
  [
    'duplicate published ports',
    ports({ targetPort: 80, publishedPort: 9000 }, { targetPort: 81, publishedPort: 9000 }),
    I,
    /^EndpointSpec: duplicate published ports provided$/,
  ],
  [
    'bad update failure action',
    { update: { parallelism: 1, failureAction: 'explode' } },
    I,
    /invalid update failure action "explode"/,
  ],
  [
    'bad update order',
    { update: { parallelism: 1, order: 'any-first' } },
    I,
    /invalid update order "any-first"/,
  ],
  [
    'max failure ratio above 1',
    { update: { parallelism: 1, maxFailureRatio: 1.5 } },
    I,
    /update max failure ratio must be between 0 and 1/,
  ],
];

async function refused(
  what: string,
  call: Promise<unknown>,
  code: grpc.status,
  details: RegExp,
): Promise<void> {
  await assert.rejects(
    call,
    (err: grpc.ServiceError) => {
      assert.equal(err.code, code, `${what}: ${err.code} ${err.details}`);
      assert.match(err.details, details, what);
      return true;
    },
    what,
  );
}

test('CreateService: bad specs are refused with a readable message and write nothing', async () => {
  const before = await state();
  for (const [what, o, code, details] of cases) {
    const request = 'request' in o ? (o.request as object) : { spec: spec('bad', o) };
    await refused(what, control('CreateService', request), code, details);
    assert.deepEqual(await state(), before, `${what}: nothing written`);
  }
  // The same spec with a good port is taken.
  const ok = (
    await control('CreateService', { spec: spec('good', ports({ targetPort: 80, publishedPort: 8080 })) })
  ).service as WireService;
  assert.equal(ok.endpoint?.ports[0]?.publishedPort, 8080);
});

test('UpdateService: the same bad specs are refused and the service is left as it was', async () => {
  const before = await state();
  for (const [what, o, code, details] of cases) {
    const request =
      'request' in o
        ? { serviceId: web.id, version: web.version }
        : { serviceId: web.id, version: web.version, spec: { ...web.spec, ...o } };
    await refused(`update: ${what}`, control('UpdateService', request), code, details);
    assert.deepEqual(await state(), before, `update: ${what}: nothing written`);
  }
});

test('specs at the limits are taken: 1000 labels, a 4 KiB value, 4096 arguments and variables', async () => {
  const labels = manyLabels(999);
  labels['k'.repeat(256)] = 'v'.repeat(4096);
  const created = (
    await control('CreateService', {
      spec: spec('limits', {
        labels,
        task: {
          command: ['sleep'],
          args: [...Array.from({ length: 4094 }, () => '1'), 'a'.repeat(128 * 1024)],
          env: Array.from({ length: 4096 }, (_, i) => `V${i}=1`),
          constraints: Array.from({ length: 100 }, () => 'node.role!=nothing'),
        },
      }),
    })
  ).service as WireService;
  assert.equal(Object.keys(created.spec.labels).length, 1000);
  assert.equal(created.spec.task?.args.length, 4095);
  await control('RemoveService', { serviceId: created.id });
});

test('references: empty or unknown', async () => {
  const before = await state();
  await refused('empty service ID', control('GetService', { serviceId: '' }), I, /^service ID is required$/);
  await refused('empty task ID', control('GetTask', { taskId: '' }), I, /^task ID is required$/);
  await refused(
    'update without an ID',
    control('UpdateService', { version: web.version, spec: web.spec }),
    I,
    /^service ID is required$/,
  );
  await refused('remove without an ID', control('RemoveService', {}), I, /^service ID is required$/);
  await refused(
    'remove an unknown service',
    control('RemoveService', { serviceId: 'nope' }),
    grpc.status.NOT_FOUND,
    /^service nope not found$/,
  );
  assert.deepEqual(await state(), before);
});
