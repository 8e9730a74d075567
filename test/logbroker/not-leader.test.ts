/**
 * The log broker on a manager that has stopped leading refuses with the one "not the leader" refusal:
 * UNAVAILABLE, the text every leader-only part uses, and the leader's address in metadata.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { pino } from 'pino';
import { LEADER_ADDR_METADATA } from '../../proto/dispatcher-types.ts';
import { LogBroker } from '../../server/logbroker/log-broker.ts';
import { singleStore } from '../store/fake-proposers.ts';

test('SubscribeLogs on a manager that does not lead is refused naming the leader', () => {
  const broker = new LogBroker({
    store: singleStore().store,
    gate: {
      joinSession: () => ({
        refused: { code: grpc.status.UNAVAILABLE, details: '', metadata: new grpc.Metadata() },
      }),
    },
    raft: { isLeader: false, leader: 2, members: new Map([[2, '127.0.0.1:4242']]) },
    log: pino({ level: 'silent' }),
  });
  const call = Object.assign(new EventEmitter(), {
    request: { selector: { serviceIds: ['s'], taskIds: [] } },
  });
  let refusal: grpc.StatusObject | undefined;
  call.on('error', (s: grpc.StatusObject) => (refusal = s));
  const subscribe = broker.logsHandlers().SubscribeLogs as (c: unknown) => void;
  subscribe(call);
  assert.ok(refusal);
  assert.deepEqual(
    [refusal.code, refusal.details],
    [grpc.status.UNAVAILABLE, 'this manager is not the leader; the leader is at 127.0.0.1:4242'],
  );
  assert.deepEqual(refusal.metadata.get(LEADER_ADDR_METADATA), ['127.0.0.1:4242']);
});
