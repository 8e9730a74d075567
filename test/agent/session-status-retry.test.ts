/**
 * The agent against a dispatcher of the test's own (loopback, no TLS) whose first UpdateTaskStatus call
 * is answered too late: the agent keeps its session (one Session call, the same session ID) and sends
 * the reports again on it, and they arrive. Before, a slow answer ended the session, and a busy leader
 * got a new session (full view, READY write) on top of the write it was late with. This dispatcher has
 * no Heartbeats stream (an earlier version): the agent heartbeats with one call each and keeps its session.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Agent } from '../../agent/session/agent.ts';
import type { WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { wireTask } from '../../server/wire/wire-task.ts';
import { newTask } from '../store/fixtures.ts';
import { until } from '../daemon/helpers.ts';
import {
  DISPATCHER,
  listenLoopback,
  loopbackAgent,
  LOG_BROKER,
  QUIET_LOG_BROKER,
} from './loopback-dispatcher.ts';

const RPC_TIMEOUT_MS = 300;
const server = new grpc.Server();
const agents: Agent[] = [];
after(async () => {
  for (const a of agents) await a.stop();
  server.forceShutdown();
});

test('a status report answered too late goes again on the same session', async () => {
  let sessions = 0;
  let beats = 0;
  const calls: string[][] = [];
  const held: (() => void)[] = [];
  const task = wireTask({
    ...newTask('t1', 's1', 1, { nodeId: 'n1', status: { state: 'assigned', timestamp: 1 } }),
    meta: { version: { index: 1 }, createdAt: 1, updatedAt: 1 },
  });
  const complete: WireAssignmentsMessage = {
    type: 'complete',
    appliesTo: 0,
    resultsIn: 1,
    changes: [{ action: 'update', task }],
    networkView: { networks: [], nodes: [], services: [], endpoints: [], gatewaySubnet: '172.18.0.0/16' },
    viewSeq: 1,
    viewDelta: null,
    more: false,
    keptNetworks: [],
  };
  server.addService(DISPATCHER, {
    Session: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      sessions++;
      call.write({ sessionId: `s${sessions}`, node: null, managers: [], heartbeatPeriodMs: 100 });
    },
    // No Heartbeats stream here (a manager of an earlier version): the agent beats with one call each.
    Heartbeat: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
      beats++;
      cb(null, { periodMs: 100 });
    },
    Assignments: (call: grpc.ServerWritableStream<unknown, unknown>) => call.write(complete),
    UpdateTaskStatus: (
      call: grpc.ServerUnaryCall<{ updates: { taskId: string; status: { state: string } }[] }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      calls.push(call.request.updates.map(u => `${u.taskId}:${u.status.state}`));
      // The first call is answered after the agent's deadline (the write was slow, but it landed).
      if (calls.length === 1) held.push(() => cb(null, {}));
      else cb(null, {});
    },
  });
  server.addService(LOG_BROKER, QUIET_LOG_BROKER);
  const agent = loopbackAgent([await listenLoopback(server)], { rpcTimeoutMs: RPC_TIMEOUT_MS });
  agents.push(agent);
  await until('RUNNING reported after the slow call', () =>
    Promise.resolve(calls.length >= 2 && calls.flat().includes('t1:running')),
  );
  for (const answer of held) answer();
  await until('heartbeat calls, the stream being unimplemented', () => Promise.resolve(beats >= 3));
  assert.equal(sessions, 1, 'the session was kept');
  assert.equal(agent.sessionId, 's1');
  // What the slow call carried went again (with anything newer of the same task in its place).
  const first = calls[0] ?? [];
  assert.ok(first.length > 0);
  assert.ok(
    calls
      .slice(1)
      .flat()
      .some(c => c.startsWith('t1:')),
  );
});
