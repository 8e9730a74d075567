/**
 * The agent's half of `shoal service logs` (swarmkit's agent/worker.go Subscribe): for each subscription
 * the leader's log broker sends, the output of this node's selected tasks goes back over one PublishLogs
 * stream, a line per message. Without follow: the last `tail` lines of each stream, then close. With
 * follow: those, then what the tasks write (and the output of selected tasks that start later), until the
 * broker closes the subscription or the session ends.
 *
 * Files are read in chunks and sent as they are read, waiting whenever the stream asks to (gRPC flow
 * control): a task's log may be far larger than the agent's memory.
 */
import type * as grpc from '@grpc/grpc-js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type {
  WireLogMessage,
  WirePublishLogsMessage,
  WireSubscriptionMessage,
} from '../../proto/logs-types.ts';
import type { LogTask, TaskLogSource } from '../exec/executor.ts';

/** One PublishLogs stream. */
export interface PublishStream {
  /** False: wait for `drained` before writing more. */
  write(m: WirePublishLogsMessage): boolean;
  drained(): Promise<void>;
  end(): void;
}

/** A PublishLogs call as the publisher writes to it. */
export function publishStream(call: grpc.ClientWritableStream<WirePublishLogsMessage>): PublishStream {
  call.on('error', () => undefined);
  return {
    write: m => call.write(m),
    // Also when the call ends meanwhile: the publisher then finds its subscription stopped.
    drained: () =>
      new Promise<void>(resolve => {
        const done = (): void => {
          call.off('drain', done);
          call.off('close', done);
          resolve();
        };
        call.once('drain', done);
        call.once('close', done);
      }),
    end: () => call.end(),
  };
}

/** Bytes read from a file at a time; also the longest line (docker cuts long lines too, at 16 KiB). */
const CHUNK = 64 * 1024;
/** Lines in one message at most (a chunk of empty lines would make one message of 64 Ki lines). */
const BATCH_LINES = 1024;

/** Reads one file forward from an offset: its complete lines, a chunk at a time. */
class LineReader {
  private partial = Buffer.alloc(0);
  constructor(
    private readonly path: string,
    private offset: number,
  ) {}

  /** The complete lines of the next chunk before `limit` (a byte offset: the end of what is sent now). */
  next(limit: number): Buffer[] {
    const data = readRange(this.path, this.offset, Math.min(CHUNK, limit - this.offset));
    if (data.length === 0) return [];
    this.offset += data.length;
    const all = this.partial.length === 0 ? data : Buffer.concat([this.partial, data]);
    const cut = all.lastIndexOf(10) + 1;
    const lines = splitLines(all.subarray(0, cut));
    this.partial = Buffer.from(all.subarray(cut));
    // A line that never ends is sent in pieces rather than held in memory whole.
    if (this.partial.length >= CHUNK) {
      lines.push(this.partial);
      this.partial = Buffer.alloc(0);
    }
    return lines;
  }

  /** Whether it has read up to `limit`. */
  reached(limit: number): boolean {
    return this.offset >= limit;
  }

  /** The unfinished line read so far (without follow, it is shown as it is). */
  rest(): Buffer {
    return this.partial;
  }
}

interface Active {
  stop(): void;
}

/** When a following subscription looks at its files again: `after` runs `poll` once, later; cancellable. */
export interface PollTimer {
  after(poll: () => void): () => void;
}

/** Every `ms` milliseconds of the real clock. */
export function pollEvery(ms: number): PollTimer {
  return {
    after: poll => {
      const timer = setTimeout(poll, ms);
      return () => clearTimeout(timer);
    },
  };
}

export class LogPublisher {
  private readonly active = new Map<string, Active>();

  constructor(
    private readonly source: TaskLogSource | undefined,
    private readonly timer: PollTimer = pollEvery(100),
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
    const follow = m.options?.follow === true;
    let stopped = false;
    let cancel = (): void => undefined;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      cancel();
      this.active.delete(m.id);
      out.end();
    };
    this.active.set(m.id, { stop });

    const selected = (): LogTask[] =>
      (this.source?.logTasks() ?? []).filter(t => serviceIds.has(t.serviceId) || taskIds.has(t.id));
    const send = async (messages: WireLogMessage[], close = false): Promise<void> => {
      for (let i = 0; i < messages.length || (close && i === 0); i += BATCH_LINES) {
        if (stopped) return;
        const batch = messages.slice(i, i + BATCH_LINES);
        const last = close && i + BATCH_LINES >= messages.length;
        if (!out.write({ subscriptionId: m.id, messages: batch, close: last })) await out.drained();
      }
    };
    /** Sends `reader`'s lines up to `limit`, chunk by chunk. */
    const catchUp = async (t: LogTask, stream: 'stdout' | 'stderr', r: LineReader, limit: number) => {
      while (!stopped && !r.reached(limit)) {
        await send(r.next(limit).map(data => message(t, stream, data)));
      }
    };

    if (!follow) {
      void (async () => {
        for (const t of selected()) {
          for (const stream of ['stdout', 'stderr'] as const) {
            const size = fileSize(t[stream]);
            // An unfinished last line counts as one of the last `tail`, and is shown as it is.
            const r = new LineReader(t[stream], tailStart(t[stream], size, tail, true));
            await catchUp(t, stream, r, size);
            const rest = r.rest();
            if (rest.length > 0) await send([message(t, stream, rest)]);
          }
        }
        await send([], true);
        stop();
      })();
      return;
    }
    const readers = new Map<string, { task: LogTask; out: LineReader; err: LineReader }>();
    const poll = async (): Promise<void> => {
      for (const t of selected()) {
        let f = readers.get(t.id);
        if (f === undefined) {
          // A follower gets an unfinished line once it is finished.
          const start = (path: string): LineReader =>
            new LineReader(path, tailStart(path, fileSize(path), tail, false));
          readers.set(t.id, (f = { task: t, out: start(t.stdout), err: start(t.stderr) }));
        }
        await catchUp(t, 'stdout', f.out, fileSize(t.stdout));
        await catchUp(t, 'stderr', f.err, fileSize(t.stderr));
      }
      if (!stopped) cancel = this.timer.after(() => void poll());
    };
    void poll();
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
 * Where the last `n` lines of the file's first `size` bytes begin (0 when n < 0 or there are fewer),
 * reading backwards a chunk at a time. `partialCounts`: an unfinished last line is one of the n;
 * otherwise it is left for later (a follower reads it once it is finished).
 */
function tailStart(path: string, size: number, n: number, partialCounts: boolean): number {
  if (n < 0 || size === 0) return 0;
  const endsLine = readRange(path, size - 1, 1)[0] === 10;
  // The start is just after the k-th newline from the end.
  let k = !endsLine && partialCounts ? n : n + 1;
  if (k === 0) return size;
  let pos = size;
  while (pos > 0) {
    const from = Math.max(0, pos - CHUNK);
    const chunk = readRange(path, from, pos - from);
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] === 10 && --k === 0) return from + i + 1;
    }
    pos = from;
  }
  return 0;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readRange(path: string, offset: number, length: number): Buffer {
  if (length <= 0) return Buffer.alloc(0);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const r = readSync(fd, buf, got, length - got, offset + got);
      if (r === 0) break;
      got += r;
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
