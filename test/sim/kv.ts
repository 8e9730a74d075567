/**
 * The replicated state machine the simulator runs on Raft: a key-value register with client
 * sessions. A session remembers each client's last applied sequence number, so an entry the network
 * duplicated into the log twice is applied once (the Raft thesis, §6.3).
 */

export interface KvCommand {
  client: number;
  seq: number;
  key: string;
  value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(decoder.decode(data)) as KvCommand;
}

export class KvStore {
  readonly values = new Map<string, string>();
  private readonly sessions = new Map<number, number>();

  /** Applies a command; returns false if its session already applied it (a duplicate). */
  apply(cmd: KvCommand): boolean {
    if ((this.sessions.get(cmd.client) ?? 0) >= cmd.seq) return false;
    this.sessions.set(cmd.client, cmd.seq);
    this.values.set(cmd.key, cmd.value);
    return true;
  }

  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ values: [...this.values], sessions: [...this.sessions] }));
  }

  static restore(data: Uint8Array): KvStore {
    const kv = new KvStore();
    if (data.byteLength === 0) return kv;
    const parsed = JSON.parse(decoder.decode(data)) as {
      values: [string, string][];
      sessions: [number, number][];
    };
    for (const [k, v] of parsed.values) kv.values.set(k, v);
    for (const [c, s] of parsed.sessions) kv.sessions.set(c, s);
    return kv;
  }
}
