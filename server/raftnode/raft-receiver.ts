/**
 * The Raft service as a member serves it: incoming batches and snapshots, each message checked against
 * the caller (addressed to this member, sent as a Raft member the caller's certificate may speak for)
 * before it is stepped. Refusals of a snapshot are domain errors, mapped to statuses by toGrpcStatus.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { DomainError } from '../../lib/domain-error.ts';
import { InvalidArgumentError, PermissionError, ResourceExhaustedError } from '../../lib/errors.ts';
import { toGrpcStatus } from '../../proto/rpc-status.ts';
import { callerOf } from '../caller/caller.ts';
import type { Message } from '../raft/index.ts';
import { SnapshotAssembler } from './snapshot-stream.ts';
import { fromWire, InvalidMessageError, type WireBatch, type WireSnapshotChunk } from './wire.ts';
import { ignore, messageCodec, raftService } from './raft-service.ts';
import type { TransportEvents, TransportLimits, TransportOptions } from './transport-options.ts';

/**
 * Snapshot calls whose data a receiver holds at once: each is capped, so this bounds the whole. Only
 * the leader sends snapshots, one per follower at a time; two leave room for a retry overlapping a
 * call the receiver has not yet seen fail.
 */
const MAX_INCOMING_SNAPSHOTS = 2;

/** Serves the Raft service for one member: what arrives and passes the checks goes to `events.onMessage`. */
export class RaftReceiver {
  private incomingSnapshots = 0;

  constructor(
    private readonly o: Pick<TransportOptions, 'id' | 'senderAllowed'>,
    private readonly limits: TransportLimits,
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {}

  /** Adds the Raft service to a server (authorization is the server's job, in one place). */
  register(server: grpc.Server): void {
    server.addService(raftService, {
      Stream: (call: grpc.ServerReadableStream<WireBatch, unknown>, callback: grpc.sendUnaryData<object>) =>
        this.serveStream(call, callback),
      Snapshot: (
        call: grpc.ServerReadableStream<WireSnapshotChunk, unknown>,
        callback: grpc.sendUnaryData<object>,
      ) => this.serveSnapshot(call, callback),
    });
  }

  /** Why `m` from the caller `nodeId` must not be stepped, or undefined. */
  private refusal(nodeId: string | undefined, m: Message): string | undefined {
    if (m.to !== this.o.id) return `addressed to raft member ${m.to}, this is ${this.o.id}`;
    if (!this.o.senderAllowed(nodeId, m.from)) {
      return `node ${nodeId ?? '(no certificate)'} may not send as raft member ${m.from}`;
    }
    return undefined;
  }

  private serveStream(
    call: grpc.ServerReadableStream<WireBatch, unknown>,
    callback: grpc.sendUnaryData<object>,
  ): void {
    const nodeId = callerOf(call)?.nodeId;
    // Refused messages are dropped, not fatal to the stream: a member that has not yet applied a
    // newcomer's node object refuses it only until it does, and Raft rides out the loss. One warning
    // per stream says it happened without flooding the log at message rate.
    let warned = false;
    call.on('data', (batch: WireBatch) => {
      const verdicts = new Map<string, string | undefined>(); // one check per sender and recipient a batch
      for (const w of Array.isArray(batch.messages) ? batch.messages : []) {
        let m: Message;
        try {
          m = fromWire(w);
        } catch (err) {
          if (!(err instanceof InvalidMessageError)) throw err;
          this.log.warn({ peer: call.getPeer(), err: err.message }, 'dropped a malformed raft message');
          continue;
        }
        const key = `${m.from}>${m.to}`;
        if (!verdicts.has(key)) verdicts.set(key, this.refusal(nodeId, m));
        const why = verdicts.get(key);
        if (why === undefined) {
          this.events.onMessage(m);
        } else if (!warned) {
          warned = true;
          this.log.warn(
            { peer: call.getPeer(), nodeId, why },
            'dropping refused raft messages from this stream (logged once per stream)',
          );
        }
      }
    });
    call.on('end', () => callback(null, {}));
    call.on('error', ignore); // the peer went away; its next stream starts afresh
  }

  /**
   * One MsgSnap in chunks. A refused sender or a malformed stream ends the call at once, before more
   * data is held; the sender hears the status and reports the snapshot failed.
   */
  private serveSnapshot(
    call: grpc.ServerReadableStream<WireSnapshotChunk, unknown>,
    callback: grpc.sendUnaryData<object>,
  ): void {
    const nodeId = callerOf(call)?.nodeId;
    const assembler = new SnapshotAssembler(this.limits.maxSnapshotBytes, messageCodec);
    let done = false;
    let counted = false; // among incomingSnapshots
    const release = (): void => {
      assembler.discard();
      if (counted) this.incomingSnapshots--;
      counted = false;
    };
    const end = (err: DomainError): void => {
      if (done) return;
      done = true;
      release();
      const status = toGrpcStatus(err, this.log);
      this.log.warn(
        { peer: call.getPeer(), nodeId, code: grpc.status[status.code], details: status.details },
        'refused a snapshot',
      );
      callback(status);
    };
    const invalid = (err: unknown): void => {
      if (!(err instanceof InvalidMessageError)) throw err;
      end(new InvalidArgumentError(err.message));
    };
    call.on('data', (chunk: unknown) => {
      if (done) return;
      let header: Message | undefined;
      try {
        header = assembler.push(chunk);
      } catch (err) {
        invalid(err);
        return;
      }
      if (header === undefined) return;
      const why = this.refusal(nodeId, header);
      if (why !== undefined) {
        end(new PermissionError(`snapshot refused: ${why}`));
      } else if (this.incomingSnapshots >= MAX_INCOMING_SNAPSHOTS) {
        end(
          new ResourceExhaustedError(
            `snapshot refused: ${MAX_INCOMING_SNAPSHOTS} snapshots are already arriving`,
          ),
        );
      } else {
        counted = true;
        this.incomingSnapshots++;
      }
    });
    call.on('end', () => {
      if (done) return;
      let m: Message;
      try {
        m = assembler.finish();
      } catch (err) {
        invalid(err);
        return;
      }
      done = true;
      release();
      this.events.onMessage(m);
      callback(null, {});
    });
    const gone = (): void => {
      done = true;
      release();
    };
    call.on('error', gone);
    call.on('cancelled', gone);
  }
}
