/**
 * The agent's heartbeats on one stream, against a dispatcher of the test's own (loopback, no TLS): beats
 * answered keep the session; a beat left unanswered past the call deadline ends the session, as a
 * heartbeat call's deadline did, and the agent opens another.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Agent } from '../../agent/session/agent.ts';
import { until } from '../daemon/helpers.ts';
import {
  DISPATCHER,
  listenLoopback,
  loopbackAgent,
  LOG_BROKER,
  QUIET_LOG_BROKER,
} from './loopback-dispatcher.ts';

const RPC_TIMEOUT_MS = 300;
const servers: grpc.Server[] = [];
const agents: Agent[] = [];
after(async () => {
  for (const a of agents) await a.stop();
  for (const s of servers) s.forceShutdown();
});

/**
 * A dispatcher whose Heartbeats answers the first `answered` beats of each session, then none; each
 * answer is sent `copies` times.
 */
async function dispatcher(
  answered: number,
  copies = 1,
  afterAnswer: (beat: number) => void = () => undefined,
): Promise<{ addr: string; sessions: () => number; beats: () => number }> {
  let sessions = 0;
  let beats = 0;
  const server = new grpc.Server();
  servers.push(server);
  server.addService(DISPATCHER, {
    Session: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      sessions++;
      call.write({ sessionId: `s${sessions}`, node: null, managers: [], heartbeatPeriodMs: 50 });
    },
    Heartbeats: (call: grpc.ServerDuplexStream<{ sessionId: string }, unknown>) => {
      let n = 0;
      call.on('data', () => {
        beats++;
        if (n++ < answered) for (let i = 0; i < copies; i++) call.write({ periodMs: 50 });
        afterAnswer(beats);
      });
      call.on('error', () => undefined);
    },
    Heartbeat: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb({ code: grpc.status.INTERNAL, details: 'the agent must use the stream' }),
    Assignments: () => undefined,
    UpdateTaskStatus: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}),
  });
  server.addService(LOG_BROKER, QUIET_LOG_BROKER);
  return { addr: await listenLoopback(server), sessions: () => sessions, beats: () => beats };
}

function agentOn(addr: string): Agent {
  const agent = loopbackAgent([addr], { rpcTimeoutMs: RPC_TIMEOUT_MS });
  agents.push(agent);
  return agent;
}

test('heartbeats answered on the stream keep the session', async () => {
  const d = await dispatcher(Infinity);
  const agent = agentOn(d.addr);
  // Twenty beats at 50 ms: a second of the session, far past the 300 ms deadline of any one of them.
  await until('twenty heartbeats', () => Promise.resolve(d.beats() >= 20));
  assert.equal(d.sessions(), 1);
  assert.equal(agent.sessionId, 's1');
});

test('a heartbeat left unanswered past the deadline ends the session, and the agent opens another', async () => {
  const d = await dispatcher(3);
  const agent = agentOn(d.addr);
  await until('a second session', () => Promise.resolve(d.sessions() >= 2), 10_000);
  // Three beats answered, the fourth not: the session ended on it, not sooner.
  assert.ok(d.beats() >= 4, `${d.beats()} beats`);
  await until('the agent in its new session', () => Promise.resolve(agent.sessionId === `s${d.sessions()}`));
});

test('answers no beat awaits are ignored: one beat, one next beat', async () => {
  const d = await dispatcher(Infinity, 3);
  const agent = agentOn(d.addr);
  await until('twenty heartbeats', () => Promise.resolve(d.beats() >= 20));
  const from = Date.now();
  await until('twenty more', () => Promise.resolve(d.beats() >= 40));
  // Each beat waits its 50 ms period after the answer; a next beat per copy of an answer would not.
  const took = Date.now() - from;
  assert.ok(took >= 900, `twenty beats in ${took} ms`);
  assert.equal(agent.sessionId, 's1');
});

test('a stall of the agent’s own process longer than the deadline does not end a session whose answers came in time', async () => {
  // The fifth beat is answered at once; then this process (agent and dispatcher alike) is held busy past
  // the beat's deadline, with the answer waiting unread on the agent's socket.
  const stall = (beat: number): void => {
    if (beat !== 5) return;
    setImmediate(() => {
      const end = Date.now() + RPC_TIMEOUT_MS + 200;
      while (Date.now() < end);
    });
  };
  const d = await dispatcher(Infinity, 1, stall);
  const agent = agentOn(d.addr);
  await until('twenty heartbeats', () => Promise.resolve(d.beats() >= 20));
  assert.equal(d.sessions(), 1, 'the session went on');
  assert.equal(agent.sessionId, 's1');
});
