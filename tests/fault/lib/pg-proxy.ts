// A TCP proxy in front of the test PostgreSQL that misbehaves for the first connections, as a
// server does when it is full, restarting or dropped by the network: each incoming connection
// takes the next behaviour of the script, and every connection after the script is passed
// through to the real server.
import net from 'node:net';

export type ProxyBehaviour =
  /** Answers the start-up message as a full server does: FATAL 53300 "too many clients". */
  | 'too-many'
  /** Answers with FATAL 3D000: a database that does not exist (never worth retrying). */
  | 'no-database'
  /** Resets the TCP connection as soon as it is accepted. */
  | 'reset'
  | 'pass';

export interface PgProxy {
  readonly port: number;
  /** Behaviours used so far, one per accepted connection. */
  readonly seen: readonly ProxyBehaviour[];
  close(): Promise<void>;
}

/** Protocol code of an SSLRequest (sent before the start-up message under sslmode prefer). */
const SSL_REQUEST = 80877103;

/** A FATAL ErrorResponse message of the PostgreSQL wire protocol. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')).concat([Buffer.from([0])]),
  );
  const head = Buffer.alloc(5);
  head.write('E', 0, 'ascii');
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/** Waits for the start-up message (declining SSL first if asked), then answers with `reply` and closes. */
function refuseAfterStartup(socket: net.Socket, reply: Buffer): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8) {
      const length = buffered.readInt32BE(0);
      if (length === 8 && buffered.readInt32BE(4) === SSL_REQUEST) {
        socket.write('N');
        buffered = buffered.subarray(8);
        continue;
      }
      if (buffered.length < length) return;
      socket.end(reply);
      return;
    }
  });
}

export async function startPgProxy(upstream: { host: string; port: number }, script: readonly ProxyBehaviour[]): Promise<PgProxy> {
  const seen: ProxyBehaviour[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const behaviour = script[seen.length] ?? 'pass';
    seen.push(behaviour);
    switch (behaviour) {
      case 'reset':
        socket.resetAndDestroy();
        return;
      case 'too-many':
        refuseAfterStartup(socket, errorResponse('53300', 'sorry, too many clients already'));
        return;
      case 'no-database':
        refuseAfterStartup(socket, errorResponse('3D000', 'database "gone" does not exist'));
        return;
      case 'pass': {
        const up = net.connect(upstream.port, upstream.host);
        sockets.add(up);
        up.on('close', () => {
          sockets.delete(up);
          socket.destroy();
        });
        up.on('error', () => socket.destroy());
        socket.on('close', () => up.destroy());
        socket.pipe(up);
        up.pipe(socket);
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
