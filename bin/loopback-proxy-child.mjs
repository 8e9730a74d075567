// Runs inside the node's network namespace (`nsenter --net=/run/netns/NS node loopback-proxy-child.mjs`),
// started by `npm start`. Each socket it is handed over IPC was bound on the host's 127.0.0.1: every TCP
// connection it accepts is piped to the same port on 127.0.0.1 here, where the routing mesh answers, and
// each UDP peer's datagrams go out from a socket of that peer's own (so replies find their way back),
// forgotten after a quiet minute, at most MAX_UDP_PEERS per port (the quietest goes first). Plain
// JavaScript importing only node's own modules, so it starts as fast as node can. It exits with its
// parent (the IPC channel closes).
import dgram from 'node:dgram';
import net from 'node:net';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';

const UDP_IDLE_MS = 60_000;
const MAX_UDP_PEERS = 1024;

/** "tcp/8080" → what closes it. */
const open = new Map();

function serveTcp(port, server) {
  server.on('error', () => undefined);
  server.on('connection', client => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return () => server.close();
}

function serveUdp(port, socket) {
  /** "address:port" of a peer on the host → its relay socket here; Map order is least recently heard. */
  const peers = new Map();
  const forget = key => {
    const p = peers.get(key);
    if (p === undefined) return;
    peers.delete(key);
    clearTimeout(p.idle);
    p.relay.close();
  };
  socket.on('error', () => undefined);
  socket.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let p = peers.get(key);
    if (p === undefined) {
      if (peers.size >= MAX_UDP_PEERS) forget(peers.keys().next().value);
      const relay = dgram.createSocket('udp4');
      relay.on('error', () => forget(key));
      relay.on('message', reply => socket.send(reply, from.port, from.address));
      relay.connect(port, '127.0.0.1');
      p = { relay, idle: undefined, ready: new Promise(r => relay.once('connect', r)) };
    } else {
      peers.delete(key);
      clearTimeout(p.idle);
    }
    peers.set(key, p);
    p.idle = setTimeout(() => forget(key), UDP_IDLE_MS);
    const relay = p.relay;
    p.ready.then(() => relay.send(msg, () => undefined)).catch(() => undefined);
  });
  return () => {
    for (const key of [...peers.keys()]) forget(key);
    socket.close();
  };
}

process.on('message', (msg, handle) => {
  if (typeof msg !== 'object' || msg === null || !Number.isInteger(msg.port)) return;
  const key = `${msg.protocol}/${msg.port}`;
  if (msg.kind === 'listen') {
    open.get(key)?.();
    if (msg.protocol === 'tcp' && handle instanceof net.Server) open.set(key, serveTcp(msg.port, handle));
    else if (msg.protocol === 'udp' && handle instanceof dgram.Socket)
      open.set(key, serveUdp(msg.port, handle));
    else return;
    process.send?.({ kind: 'listening', port: msg.port, protocol: msg.protocol });
  } else if (msg.kind === 'close') {
    open.get(key)?.();
    open.delete(key);
  }
});
process.on('disconnect', () => process.exit(0));
