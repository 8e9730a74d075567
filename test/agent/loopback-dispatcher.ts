/**
 * What the agent's session tests share: dispatchers of the test's own on loopback without TLS, and an
 * agent of node n1 on them.
 */
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { TestExecutor } from '../../agent/exec/test-executor.ts';
import { Agent, type AgentOptions } from '../../agent/session/agent.ts';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';

export const DISPATCHER = serviceOf(loadShoalPackage('dispatcher.proto'), 'Dispatcher');
export const LOG_BROKER = serviceOf(loadShoalPackage('logs.proto'), 'LogBroker');
/** A log broker with no subscription and nothing to take. */
export const QUIET_LOG_BROKER = { ListenSubscriptions: () => undefined, PublishLogs: () => undefined };

/** `server` listening on a free loopback port without TLS; its address. */
export async function listenLoopback(server: grpc.Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err === null ? resolve(p) : reject(err),
    ),
  );
  return `127.0.0.1:${port}`;
}

/** An agent of node n1 on `managers` without TLS, running the test executor quietly; started. */
export function loopbackAgent(managers: string[], o: Partial<AgentOptions> = {}): Agent {
  const agent = new Agent({
    hostname: 'n1',
    credentials: () => grpc.credentials.createInsecure(),
    managers: () => managers,
    executor: new TestExecutor({ stepMs: 5 }),
    log: pino({ level: 'silent' }),
    ...o,
  });
  agent.start();
  return agent;
}
