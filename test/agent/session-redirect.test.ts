/**
 * An agent refused by a follower that names the leader goes to the leader at once, not after its
 * backoff (here 3 s). Two dispatchers of the test's own on loopback, no TLS.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Agent } from '../../agent/session/agent.ts';
import { LEADER_ADDR_METADATA } from '../../proto/dispatcher-types.ts';
import { until } from '../daemon/helpers.ts';
import {
  DISPATCHER,
  listenLoopback,
  loopbackAgent,
  LOG_BROKER,
  QUIET_LOG_BROKER,
} from './loopback-dispatcher.ts';

const servers: grpc.Server[] = [];
const agents: Agent[] = [];
after(async () => {
  for (const a of agents) await a.stop();
  for (const s of servers) s.forceShutdown();
});

/** A dispatcher whose Session does `session`; the rest answers as a leader would, or never. */
async function serve(session: (call: grpc.ServerWritableStream<unknown, unknown>) => void): Promise<string> {
  const server = new grpc.Server();
  servers.push(server);
  server.addService(DISPATCHER, {
    Session: session,
    Heartbeat: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { periodMs: 1000 }),
    Assignments: () => undefined,
    UpdateTaskStatus: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}),
  });
  server.addService(LOG_BROKER, QUIET_LOG_BROKER);
  return listenLoopback(server);
}

test('a refusal naming the leader is followed at once', async () => {
  let acceptedAt: number | undefined;
  const leader = await serve(call => {
    acceptedAt = Date.now();
    call.write({ sessionId: 'on-leader', node: null, managers: [], heartbeatPeriodMs: 1000 });
  });
  const refusals: number[] = [];
  const follower = await serve(call => {
    refusals.push(Date.now());
    const md = new grpc.Metadata();
    md.set(LEADER_ADDR_METADATA, leader);
    call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'not the leader', metadata: md });
  });
  const agent = loopbackAgent([follower], { backoff: { initialMs: 3000, maxMs: 3000 } });
  agents.push(agent);
  await until('in session with the leader', () => Promise.resolve(agent.sessionId === 'on-leader'));
  assert.equal(refusals.length, 1);
  const waited = (acceptedAt ?? Infinity) - (refusals[0] ?? 0);
  // The backoff alone would be 1.5-3 s.
  assert.ok(waited < 1000, `went to the leader ${waited} ms after the refusal`);
});
