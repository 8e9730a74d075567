// Runs inside the node's network namespace (`nsenter --net=/run/netns/NS node loopback-proxy-child.mjs`),
// started by `npm start`. Each listening socket it is handed over IPC was bound on the host's 127.0.0.1;
// every connection it accepts is piped to the same port on 127.0.0.1 here, where the routing mesh
// answers. Plain JavaScript importing only node's own modules, so it starts as fast as node can. It
// exits with its parent (the IPC channel closes).
import net from 'node:net';
import process from 'node:process';

/** Port → the server handed over for it. */
const servers = new Map();

function serve(port, server) {
  servers.get(port)?.close();
  servers.set(port, server);
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
}

process.on('message', (msg, handle) => {
  if (typeof msg !== 'object' || msg === null || !Number.isInteger(msg.port)) return;
  if (msg.kind === 'listen' && handle instanceof net.Server) {
    serve(msg.port, handle);
    process.send?.({ kind: 'listening', port: msg.port });
  } else if (msg.kind === 'close') {
    servers.get(msg.port)?.close();
    servers.delete(msg.port);
  }
});
process.on('disconnect', () => process.exit(0));
