// A TCP proxy that delays every chunk by a fixed time in each direction: a distant database
// server, for benchmarks, on one machine. Its own process (a benchmark times kiln with spawnSync,
// which would stop a proxy in its own event loop). Plain JavaScript, started with node.
//
//   node delay-proxy.mjs <host> <port> <delayMs>   prints the port it listens on (127.0.0.1), then serves until killed
import net from 'node:net';

const [host, port, delay] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];

/** `from`'s bytes reach `to` `delay` ms later, in order (timers of one delay fire in the order set). */
function forward(from, to) {
  from.on('data', (chunk) => setTimeout(() => to.write(chunk), delay));
  from.on('end', () => setTimeout(() => to.end(), delay));
  from.on('error', () => to.destroy());
}

const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect(port, host);
  upstream.setNoDelay(true);
  forward(client, upstream);
  forward(upstream, client);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
