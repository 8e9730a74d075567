/**
 * Stopping a manager closes every connection to its port, including one still in its TLS handshake:
 * grpc-js' forceShutdown alone leaves such a connection open, it finishes the handshake afterwards,
 * and the HTTP/2 session it becomes is never closed (it keeps the process alive, and the stopped
 * manager's handlers serve calls on it). Likewise one past its handshake whose client has not spoken
 * HTTP/2 yet: grpc-js' session there waits for the client before it closes.
 */
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { after, test } from 'node:test';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-shutdown-');
after(() => h.cleanup());

interface HeldHandshake {
  /** Lets the client go on with its handshake (what the server sent reaches it). */
  finish(): void;
  /** Resolves when the connection closes. */
  closed: Promise<void>;
  destroy(): void;
}

/**
 * A TLS client of the manager port, stopped mid-handshake: the server has answered its ClientHello
 * and waits for the client's certificate and Finished, which it sends only after `finish()`.
 */
async function heldHandshake(port: number): Promise<HeldHandshake> {
  const raw = netConnect(port, '127.0.0.1');
  const held: Buffer[] = [];
  let holding = true;
  // What the TLS client reads: the server's bytes, held back until `finish()`.
  const wire = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _enc, cb) => raw.write(chunk, cb),
  });
  raw.on('data', (d: Buffer) => (holding ? held.push(d) : wire.push(d)));
  raw.on('end', () => wire.push(null));
  raw.on('error', () => undefined); // the server hanging up is what this test waits for
  const closed = new Promise<void>(resolve => raw.once('close', () => resolve()));
  const tls = tlsConnect({
    socket: wire,
    rejectUnauthorized: false,
    ALPNProtocols: ['h2'],
    servername: 'swarm-manager',
  });
  tls.on('error', () => undefined);
  await until('the manager to answer the ClientHello', () => Promise.resolve(held.length > 0));
  return {
    finish: () => {
      holding = false;
      for (const d of held.splice(0)) wire.push(d);
    },
    closed,
    destroy: () => {
      tls.destroy();
      raw.destroy();
    },
  };
}

/** A TLS client of the manager port that completes its handshake and then says nothing. */
async function silentClient(port: number): Promise<{ closed: Promise<void>; destroy(): void }> {
  const s = tlsConnect({
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    ALPNProtocols: ['h2'],
    servername: 'swarm-manager',
  });
  s.on('error', () => undefined);
  s.resume(); // read the server's frames, so that its hang-up is seen
  const closed = new Promise<void>(resolve => s.once('close', () => resolve()));
  await new Promise(resolve => s.once('secureConnect', resolve));
  return { closed, destroy: () => s.destroy() };
}

function closedWithin(what: string, closed: Promise<void>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    closed,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the stopped manager kept ${what} open`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

test('a stopped manager closes connections still in their TLS handshake or not yet speaking HTTP/2', async () => {
  await h.daemon('m1');
  const port = await freePort();
  await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  const held = await heldHandshake(port);
  const silent = await silentClient(port);
  try {
    await h.stop('m1');
    held.finish();
    await closedWithin('a connection that was in its handshake', held.closed, 3000);
    await closedWithin('a connection that had not spoken HTTP/2', silent.closed, 3000);
  } finally {
    held.destroy();
    silent.destroy();
  }
});
