/**
 * Raft members in one process joined by memory instead of gRPC: every message is delivered on the next
 * turn of the event loop, except to members the test holds back. For driver tests that need to decide
 * exactly what reaches whom. `MemoryCluster` runs real RaftNodes over real LevelDB folders on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Message, NodeId } from '../../server/raft/index.ts';
import { LevelStorage } from '../../server/raftnode/level-storage.ts';
import { RaftNode, type RaftNodeOptions, type StateMachine } from '../../server/raftnode/raft-node.ts';
import type { RaftTransport } from '../../server/raftnode/transport.ts';

/** Delivers every message on the next turn, except to members it holds back. */
export class MemoryNetwork {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly heldBack = new Set<NodeId>();

  transport(): RaftTransport {
    const t = {
      send: (messages: readonly Message[]) => {
        for (const m of messages) {
          if (this.heldBack.has(m.to)) continue;
          const copy = structuredClone(m);
          setImmediate(() => this.nodes.get(m.to)?.step(copy));
        }
      },
      setPeer: () => undefined,
      removePeer: () => undefined,
      connected: () => true,
    };
    return t as unknown as RaftTransport;
  }
}

/** A state machine that records every payload applied, as text; a proposal's answer is its text. */
export class Register implements StateMachine {
  readonly applied: string[] = [];
  apply(payload: Uint8Array): unknown {
    const v = Buffer.from(payload).toString();
    this.applied.push(v);
    return v;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.applied));
  }
  restore(data: Uint8Array): void {
    this.applied.splice(0, this.applied.length, ...(JSON.parse(Buffer.from(data).toString()) as string[]));
  }
}

/** Polls `probe` until it gives a value (not undefined or false); fails with `what` after `ms`. */
export async function until<T>(what: string, probe: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 5));
  }
}

/** Real RaftNodes over LevelDB folders in a temp folder, on one MemoryNetwork. Call `cleanup` from `after`. */
export class MemoryCluster {
  readonly net = new MemoryNetwork();
  readonly registers = new Map<NodeId, Register>();
  private readonly root: string;
  private readonly running = new Map<NodeId, { node: RaftNode; disk: LevelStorage }>();

  constructor(prefix: string) {
    this.root = mkdtempSync(join(tmpdir(), prefix));
  }

  node(id: NodeId): RaftNode {
    const m = this.running.get(id);
    assert.ok(m !== undefined, `member ${id} runs`);
    return m.node;
  }

  /**
   * Starts member `id` on its folder (`folder` names it, so a test can run several clusters), with a
   * fresh Register, a 10 ms tick and `options` on top (bootstrap or peers among them).
   */
  async start(
    id: NodeId,
    options: Partial<RaftNodeOptions> & Pick<RaftNodeOptions, 'bootstrap' | 'peers'>,
    folder = `m${id}`,
  ): Promise<RaftNode> {
    const disk = await LevelStorage.open(join(this.root, folder));
    const register = new Register();
    this.registers.set(id, register);
    const node = new RaftNode({
      id,
      addr: `member-${id}`,
      storage: disk,
      transport: this.net.transport(),
      stateMachine: register,
      log: pino({ level: 'silent' }),
      tickMs: 10,
      ...options,
    });
    this.net.nodes.set(id, node);
    this.running.set(id, { node, disk });
    node.start();
    return node;
  }

  /** Stops member `id` as a crash would (its folder stays): nothing reaches it any more. */
  async crash(id: NodeId): Promise<void> {
    const m = this.running.get(id);
    this.running.delete(id);
    this.net.nodes.delete(id);
    m?.node.stop();
    await m?.disk.close();
  }

  async cleanup(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.crash(id);
    rmSync(this.root, { recursive: true, force: true });
  }
}
