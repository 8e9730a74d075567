// The dgram path's way into the node's namespace (with the native addon, udp-batch.c, the resolver
// thread binds there itself with setns and this never runs). Runs inside the node's network namespace
// when the agent is not in it (`npm start` keeps the node's data plane in a namespace of its own):
// `ip netns exec NS node bind-in-netns.mjs ADDR PORT` binds UDP and TCP on ADDR:PORT there (PORT 0: any
// free one, the same for both), hands both sockets to the resolver thread over the IPC channel and exits.
// Once per node (and per gateway bridge address), never per task. Plain JavaScript importing only node's
// own modules, so it starts as fast as node can. A bind failure is reported as {kind:'error'} (exit 1);
// a parent that goes away ends it at once.
import dgram from 'node:dgram';
import net from 'node:net';
import process from 'node:process';

const [addr = '', portText = ''] = process.argv.slice(2);
const wanted = Number(portText);

const orphaned = () => process.exit(1);
process.on('disconnect', orphaned);

function fail(err) {
  process.send({ kind: 'error', message: String((err && err.message) || err) }, () => process.exit(1));
}

function attempt(left) {
  const udp = dgram.createSocket('udp4');
  udp.once('error', fail);
  udp.bind({ address: addr, port: wanted, exclusive: true }, () => {
    const port = udp.address().port;
    const tcp = net.createServer();
    tcp.once('error', err => {
      udp.close();
      // Any free port for UDP may be taken for TCP: try another.
      if (wanted === 0 && err.code === 'EADDRINUSE' && left > 0) attempt(left - 1);
      else fail(err);
    });
    tcp.listen({ host: addr, port, backlog: 511, exclusive: true }, () => {
      process.send({ kind: 'udp', port }, udp, () => {
        process.send({ kind: 'tcp', port }, tcp, () => {
          udp.close();
          tcp.close();
          process.off('disconnect', orphaned);
          process.disconnect();
          process.exit(0);
        });
      });
    });
  });
}

attempt(20);
