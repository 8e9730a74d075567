/**
 * The agent's half of `shoal service logs` (swarmkit's agent/worker.go Subscribe): for each subscription
 * the leader's log broker sends, the output of this node's selected tasks goes back over one PublishLogs
 * stream, a line per message. Without follow: the last `tail` lines of each stream, then close. With
 * follow: those, then what the tasks write (and the output of selected tasks that start later), until the
 * broker closes the subscription or the session ends.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type {
  WireLogMessage,
  WirePublishLogsMessage,
  WireSubscriptionMessage,
} from '../../proto/logs-types.ts';
import type { LogTask, TaskLogSource } from '../exec/executor.ts';

/** One PublishLogs stream. */
export interface PublishStream {
  write(m: WirePublishLogsMessage): void;
  end(): void;
}

/** Lines sent in one message at most. */
const BATCH_LINES = 256;
/** How much of a file is read for `--tail` (the end of it) before lines are counted. */
const TAIL_CHUNK = 64 * 1024;

/** Follows one file: the complete lines appended since the last read. */
class LineReader {
  private partial = Buffer.alloc(0);
  constructor(
    private readonly path: string,
    private offset: number,
  ) {}

  lines(): Buffer[] {
    const data = readFrom(this.path, this.offset);
    if (data.length === 0) return [];
    this.offset += data.length;
    const all = this.partial.length === 0 ? data : Buffer.concat([this.partial, data]);
    const cut = all.lastIndexOf(10) + 1;
    this.partial = Buffer.from(all.subarray(cut));
    return splitLines(all.subarray(0, cut));
  }
}

interface Active {
  stop(): void;
}

export class LogPublisher {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly source: TaskLogSource | undefined,
    private readonly pollMs = 100,
  ) {}

  /** Starts or (close) stops a subscription; `open` opens its PublishLogs stream. */
  handle(m: WireSubscriptionMessage, open: () => PublishStream): void {
    if (m.close) {
      this.active.get(m.id)?.stop();
      return;
    }
    if (this.active.has(m.id) || m.selector === null) return;
    const out = open();
    const serviceIds = new Set(m.selector.serviceIds);
    const taskIds = new Set(m.selector.taskIds);
    const tail = m.options?.tail ?? -1;
    const selected = (): LogTask[] =>
      (this.source?.logTasks() ?? []).filter(t => serviceIds.has(t.serviceId) || taskIds.has(t.id));
    const send = (messages: WireLogMessage[], close = false): void => {
      for (let i = 0; i < messages.length || (close && i === 0); i += BATCH_LINES) {
        const batch = messages.slice(i, i + BATCH_LINES);
        const last = i + BATCH_LINES >= messages.length;
        out.write({ subscriptionId: m.id, messages: batch, close: close && last });
      }
    };
    const follow = m.options?.follow === true;
    const first = (t: LogTask): { messages: WireLogMessage[]; readers: LineReader[] } => {
      const messages: WireLogMessage[] = [];
      const readers: LineReader[] = [];
      for (const stream of ['stdout', 'stderr'] as const) {
        const path = t[stream];
        const { lines, partial, end } = lastLines(path, tail);
        // An unfinished last line is one of the last n when not following; a follower gets it once finished.
        const shown = !follow && partial.length > 0 ? [...lines, partial] : lines;
        for (const data of tail < 0 ? shown : shown.slice(shown.length - tail)) {
          messages.push(message(t, stream, data));
        }
        readers.push(new LineReader(path, end));
      }
      return { messages, readers };
    };

    if (!follow) {
      send(
        selected().flatMap(t => first(t).messages),
        true,
      );
      out.end();
      return;
    }
    const following = new Map<string, { task: LogTask; readers: LineReader[] }>();
    const poll = (): void => {
      const messages: WireLogMessage[] = [];
      for (const t of selected()) {
        let f = following.get(t.id);
        if (f === undefined) {
          const started = first(t);
          messages.push(...started.messages);
          following.set(t.id, (f = { task: t, readers: started.readers }));
          continue;
        }
        const [out, err] = f.readers;
        for (const data of out?.lines() ?? []) messages.push(message(t, 'stdout', data));
        for (const data of err?.lines() ?? []) messages.push(message(t, 'stderr', data));
      }
      if (messages.length > 0) send(messages);
    };
    poll();
    const timer = setInterval(poll, this.pollMs);
    this.active.set(m.id, {
      stop: () => {
        clearInterval(timer);
        this.active.delete(m.id);
        out.end();
      },
    });
  }

  /** Ends every subscription (the session ended). */
  stopAll(): void {
    for (const a of [...this.active.values()]) a.stop();
  }
}

function message(t: LogTask, stream: 'stdout' | 'stderr', data: Buffer): WireLogMessage {
  return {
    context: { serviceId: t.serviceId, nodeId: '', taskId: t.id, taskName: '', nodeHostname: '' },
    stream,
    data,
  };
}

/**
 * The last `n` lines of a file (all of them when n < 0): its complete lines, the unfinished one after
 * them, and where that one begins (a follower reads on from there).
 */
function lastLines(path: string, n: number): { lines: Buffer[]; partial: Buffer; end: number } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { lines: [], partial: Buffer.alloc(0), end: 0 };
  }
  // Read backwards in chunks until enough lines are in hand (or the whole file).
  let start = size;
  let data = Buffer.alloc(0);
  while (start > 0) {
    start = n < 0 ? 0 : Math.max(0, start - TAIL_CHUNK);
    data = Buffer.concat([readRange(path, start, size - start - data.length), data]);
    if (n >= 0 && countNewlines(data) > n) break;
  }
  const cut = data.lastIndexOf(10) + 1;
  const lines = splitLines(data.subarray(0, cut));
  // The first line is cut where reading began, unless that was the file's start.
  const whole = start > 0 ? lines.slice(1) : lines;
  return {
    lines: n < 0 ? whole : n === 0 ? [] : whole.slice(-n),
    partial: data.subarray(cut),
    end: start + cut,
  };
}

function countNewlines(b: Buffer): number {
  let count = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) count++;
  return count;
}

function readFrom(path: string, offset: number): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return Buffer.alloc(0);
  }
  return size > offset ? readRange(path, offset, size - offset) : Buffer.alloc(0);
}

function readRange(path: string, offset: number, length: number): Buffer {
  if (length <= 0) return Buffer.alloc(0);
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** The lines of `b`, without their newlines (a last line without one included). */
export function splitLines(b: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, start)) {
    lines.push(b.subarray(start, i));
    start = i + 1;
  }
  if (start < b.length) lines.push(b.subarray(start));
  return lines;
}
