// Runs inside a task's network namespace (`ip netns exec NS node bind-helper.cjs`): binds UDP and TCP
// 127.0.0.11:53 there, hands both sockets to the agent over the IPC channel and exits. The agent then
// serves them from its own namespace. Plain JavaScript importing only node's own modules, so it starts
// as fast as node can. Reports a bind failure as {kind:'error'} and exits 1.
import dgram from 'node:dgram';
import net from 'node:net';
import process from 'node:process';

const ADDR = '127.0.0.11';
const PORT = 53;

function fail(err) {
  process.send({ kind: 'error', message: String((err && err.message) || err) }, () => process.exit(1));
}

const udp = dgram.createSocket('udp4');
udp.once('error', fail);
udp.bind({ address: ADDR, port: PORT, exclusive: true }, () => {
  const tcp = net.createServer();
  tcp.once('error', fail);
  tcp.listen({ host: ADDR, port: PORT, backlog: 128, exclusive: true }, () => {
    process.send({ kind: 'udp' }, udp, () => {
      process.send({ kind: 'tcp' }, tcp, () => {
        udp.close();
        tcp.close();
        process.disconnect();
        process.exit(0);
      });
    });
  });
});
